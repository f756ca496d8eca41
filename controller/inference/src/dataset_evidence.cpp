#include <tumen/controller/inference/dataset_evidence.hpp>

namespace tumen::controller::inference {

nlohmann::json dataset_evidence(const asmap::as_map& map) {
    using json = nlohmann::json;
    json out = json::array();
    for (const auto& d : map.datasets()) {
        const auto slash = d.path.find_last_of('/');
        out.push_back({{"kind", d.kind},
                       {"file", slash == std::string::npos ? d.path : d.path.substr(slash + 1)},
                       {"date", d.date.empty() ? json(nullptr) : json(d.date)},
                       {"sha256", d.sha256.empty() ? json(nullptr) : json(d.sha256)}});
    }
    return out;
}

} // namespace tumen::controller::inference
