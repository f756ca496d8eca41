// The options every probing subcommand has (run_support.hpp), apart from run_support.cpp:
// command-line parsing is compiled for size (probe/tool/CMakeLists.txt), the engine's loop
// there is not.
#include "run_support.hpp"

namespace tumen::probe::tool {

void add_common_engine_options(CLI::App& sub, engine_cli& c) {
    sub.add_option("--port", c.port, "destination port (default 33435 UDP, 80 TCP)")
        ->check(CLI::Range(1, 65535));
    sub.add_option("--flow", c.flow, "Paris flow id (source port / ICMP id offset)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    sub.add_option("--format", c.format, "text|json|dot (dot: trace only, Graphviz)")
        ->check(CLI::IsMember({"text", "json", "dot"}))
        ->capture_default_str();
    sub.add_option("--sched", c.sched,
                   "batch: SCHED_BATCH while probing (wake-ups do not preempt running tasks: "
                   "less CPU on a busy host, RTTs unchanged); normal: as started")
        ->check(CLI::IsMember({"batch", "normal"}))
        ->capture_default_str();
    sub.add_option("--tx-timestamp", c.tx_timestamp,
                   "clock: send time read around sendmmsg(), our probes never enter the "
                   "capture; capture: send time from the captured outgoing probe (a kernel "
                   "copy of each probe; needs --send raw, which it implies)")
        ->check(CLI::IsMember({"clock", "capture"}))
        ->capture_default_str();
    sub.add_option(
           "--send", c.send,
           "packet (default): packet socket to the kernel's next hop, bypassing the "
           "qdisc and netfilter OUTPUT, raw where the next hop is not on Ethernet; "
           "raw: IPv4 raw socket for every probe (kernel routing, netfilter OUTPUT; "
           "the default with --tx-timestamp capture); ring: packet, through a transmit ring")
        ->check(CLI::IsMember({"raw", "packet", "ring"}));
    sub.add_option("--pps", c.pps, "global probes per second (0: no cap)")->capture_default_str();
    sub.add_option("--window", c.window, "maximum concurrent jobs")->capture_default_str();
    sub.add_option("--source", c.source, "source address (default: the route's)");
    sub.add_option("--interface", c.interface, "capture interface (default: the source's)");
    sub.add_option("--user", c.user, "when root: drop to this user after opening sockets");
    sub.add_option("--agent", c.agent, "agent name written into results");
    sub.add_option("--pcap-out", c.pcap_out,
                   "record every probe sent and reply captured to this pcap file (raw IP; "
                   "read it with `tumen-probe decode`, tcpdump or Wireshark)");
    sub.add_option("--pcap-out-size", c.pcap_out_size,
                   "MB per recording file before it rotates to FILE.1, FILE.2...")
        ->check(CLI::Range(0.1, 1e6))
        ->capture_default_str();
    sub.add_option("--pcap-out-files", c.pcap_out_files, "recording files kept, FILE included")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    sub.add_flag("--stats", c.stats, "print engine counters (one JSON line) on stderr at the end");
    sub.add_option("TARGET", c.targets, "IPv4 addresses (none: one per line on stdin)");
}

} // namespace tumen::probe::tool
