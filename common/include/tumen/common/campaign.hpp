#pragma once
/// @file
/// The campaign umbrella: the model and validate() (campaign/model.hpp), the strict YAML
/// parser (campaign/yaml.hpp), the work items and their JSON form (campaign/work.hpp) and
/// round arithmetic (campaign/round.hpp). Every key is documented in docs/campaign-schema.md.
#include <tumen/common/campaign/model.hpp>
#include <tumen/common/campaign/round.hpp>
#include <tumen/common/campaign/work.hpp>
#include <tumen/common/campaign/yaml.hpp>
