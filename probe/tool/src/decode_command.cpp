// `tumen-probe decode FILE`: the ICMP replies of a capture (ours from --pcap-out, or any
// tcpdump/Wireshark file of Ethernet, Linux cooked or raw IP frames), see docs/probe.md.
#include <memory>

#include <tumen/probe/tool/command.hpp>
#include <tumen/probe/tool/decode_output.hpp>

namespace tumen::probe::tool {
namespace {

struct decode_cli {
    std::string file;
    std::string format = "text";
};

int run_decode(const decode_cli& cli) {
    std::string error;
    const auto sum = decode_file(cli.file, cli.format == "json", stdout, error);
    if (!sum) {
        std::fprintf(stderr, "tumen-probe: decode: %s\n", error.c_str());
        return exit_failure;
    }
    std::fprintf(stderr, "tumen-probe: decode: %llu frames, %llu replies, %llu errors\n",
                 static_cast<unsigned long long>(sum->frames),
                 static_cast<unsigned long long>(sum->replies),
                 static_cast<unsigned long long>(sum->errors));
    return 0;
}

} // namespace

void add_decode_command(CLI::App& app, command_runner& selected) {
    auto cli = std::make_shared<decode_cli>();
    auto* sub = app.add_subcommand(
        "decode", "Print the ICMP replies of a capture file (pcap/pcapng: Ethernet, Linux "
                  "cooked, raw IP), with RTT and probe TTL when the probe is captured too");
    sub->add_option("FILE", cli->file, "capture file (e.g. one written by --pcap-out)")->required();
    sub->add_option("--format", cli->format, "text|json (one JSON object per line)")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    sub->callback([cli, &selected] { selected = [cli] { return run_decode(*cli); }; });
}

} // namespace tumen::probe::tool
