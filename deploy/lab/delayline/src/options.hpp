#pragma once
/// @file
/// Command line of tumen-delayline.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace tumen::lab {

/// Everything tumen-delayline is told on its command line.
struct delayline_options {
    std::string ns_a;               ///< namespace of side A (iproute2 name or path)
    std::string dev_a;              ///< TUN device created in A
    std::string ns_b;               ///< namespace of side B
    std::string dev_b;              ///< TUN device created in B
    std::string label_a;            ///< name of A in logs (default: ns_a)
    std::string label_b;            ///< name of B in logs (default: ns_b)
    double delay_ms = 0;            ///< one-way delay A->B
    double delay_ms_back = 0;       ///< one-way delay B->A (default: delay_ms)
    double loss_pct = 0;            ///< random loss A->B in percent
    double loss_pct_back = 0;       ///< random loss B->A (default: loss_pct)
    std::uint64_t seed = 0;         ///< loss RNG seed; 0 = from std::random_device
    std::size_t max_queue = 262144; ///< packets held per direction before overflow drops
    std::string pidfile;            ///< written once both devices exist; removed at exit
    std::string control_file;       ///< re-read on SIGHUP (control.hpp); empty: SIGHUP ignored
};

/// Parses argv. On success returns the options; on `--help` or an error prints to
/// stdout/stderr what is wrong and returns nullopt with `exit_code` set (0 for help).
std::optional<delayline_options> parse_options(int argc, const char* const* argv, int& exit_code);

} // namespace tumen::lab
