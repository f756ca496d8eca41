#pragma once
/// @file
/// The probe engine: many traceroutes and pings in flight on one Boost.Asio io_context.
///
/// One raw IPv4 send socket (IP_HDRINCL) and one libpcap capture handle whose selectable fd
/// lives in the Asio loop. Probes leave through a global packets-per-second token bucket
/// (and, for jobs that name a rate group, through that group's bucket too: a campaign's
/// pps inside the agent's); at most `window` jobs (traces or pings) are active at once, the rest
/// wait in FIFO order. Replies are decoded by the codec, matched against the table of outstanding
/// probes (codec::key_of + codec::check) and turned into <tumen/common/result.hpp> values.
///
/// RTT = pcap timestamp of the reply - CLOCK_REALTIME reading of the probe's send (taken
/// around its sendmmsg() call, the same clock the capture stamps replies with). Our own
/// probes stay out of the capture by default: they leave by a packet socket that skips the
/// taps, or, on the raw socket, PACKET_IGNORE_OUTGOING keeps them from the capture socket.
/// With `capture_outgoing` the capture also takes our outgoing probes (raw socket only) and
/// their capture times are the send times (engine_options::capture_outgoing says what that
/// costs and what it is still for).
///
/// Usage: construct, open() (needs CAP_NET_RAW; do it before dropping privileges), then
/// submit jobs and run the io_context. Callbacks run on the io_context's thread.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <tumen/common/asio.hpp>
#include <tumen/common/ipv4.hpp>
#include <tumen/common/result.hpp>
#include <tumen/probe/codec/probe_spec.hpp>

namespace tumen::probe::engine {

/// Engine-wide settings, fixed at construction.
/// The socket probes leave by (engine_options::sender).
enum class send_path { raw, packet, ring };

/// The capture buffer for a probe rate: a fortieth of a second of frames (a reply and, when
/// outgoing copies are captured, the probe itself, 720-byte snap length and ring overhead),
/// at least 128 KiB and at most 64 MiB; 4 MiB when the rate is uncapped (`pps` <= 0).
int capture_buffer_for(double pps, bool capture_outgoing) noexcept;

struct engine_options {
    /// Source address of every probe. Unset: open() asks the kernel's routing table for the
    /// source it would use toward `route_hint` (no packet is sent).
    std::optional<ipv4_addr> source;
    /// Destination used to pick the source address when `source` is unset.
    std::optional<ipv4_addr> route_hint;
    /// Capture interface. Empty: the interface that holds the source address, or "any"
    /// (Linux cooked headers) when none does.
    std::string interface;
    /// Global probe rate (token bucket refill, probes per second). 0 or negative: no cap.
    double pps = 100;
    /// Maximum number of traces/pings active at once.
    std::size_t window = 1024;
    /// Source ports (UDP/TCP) and ICMP identifiers are `src_port_base + flow`; flows must
    /// stay below `max_flows` (the capture filter admits exactly that port range).
    std::uint16_t src_port_base = codec::default_src_port_base;
    std::uint16_t max_flows = 4096;
    /// Also capture our outgoing probes and take their send timestamps from the capture
    /// (raw socket only: with it, probes leave by the raw socket whatever `sender` says).
    /// Each probe is then cloned into the capture ring, which costs about a quarter of the
    /// raw socket's uncapped rate (bench/probe/send_rate.sh); the send time moves from the
    /// clock read as sendmmsg() begins to the tap just before the driver, 1-11 us later on
    /// the raw socket (bench/probe/rtt_modes.sh). Kept as the reference for send
    /// timestamps, and for paths where a queueing discipline holds probes back (the tap
    /// sees them leave after it). false (default): send timestamps come from
    /// CLOCK_REALTIME as sendmmsg() begins, and the capture socket never sees our probes
    /// (PACKET_IGNORE_OUTGOING).
    bool capture_outgoing = false;
    /// Kernel capture buffer (pcap_set_buffer_size), bytes. 0: sized from `pps`
    /// (capture_buffer_for()).
    int capture_buffer_bytes = 0;
    /// How probes leave: `packet` (default), a packet socket with PACKET_QDISC_BYPASS to the
    /// next hop the kernel's FIB and neighbour table give (ZMap's way; 90% or more of a plain
    /// raw sendto() loop's rate on a veth, bench/probe/send_rate.sh; no netfilter OUTPUT or
    /// NAT on the way out, and no capture sees the probes leave); probes whose next hop is
    /// not resolved yet or not on Ethernet (loopback, tun) go raw. `raw`, an IPv4 raw socket
    /// for every probe (the kernel routes each probe, resolves its next hop, runs
    /// netfilter's OUTPUT hooks and the queueing discipline): for hosts whose firewall rules
    /// or counters must see the probes. `ring`: as `packet`, through a transmit ring
    /// (PACKET_TX_RING: one send() for every frame written since the last).
    send_path sender = send_path::packet;
    /// Written into every result's `agent` field.
    std::string agent;
    /// `--pcap-out`: record every probe sent and every reply captured to this pcap file
    /// (pcap_recorder.hpp); empty: no recording.
    std::string pcap_out;
    /// Size bound of one recording file, bytes, and how many files rotate (FILE, FILE.1...).
    std::uint64_t pcap_out_bytes = 100u << 20;
    unsigned pcap_out_files = 5;
};

/// One traceroute to submit.
struct trace_request {
    ipv4_addr dst;
    std::string dst_name; ///< as the user wrote it (copied into the result)
    codec::method method = codec::method::udp_paris;
    std::uint16_t dst_port = 0; ///< 0: the method's default (33435 UDP, 80 TCP)
    std::uint16_t flow = 0;     ///< Paris flow id: source port / ICMP id = base + flow
    std::uint8_t first_ttl = 1;
    std::uint8_t max_ttl = 32;
    std::uint8_t attempts = 2;            ///< probes per hop; the next is sent only on timeout
    std::chrono::milliseconds wait{1000}; ///< per attempt
    std::uint8_t gap_limit = 5;           ///< consecutive hops without any reply that end a trace
    /// Probes in flight per trace (1-32). 1: the next hop only after a reply or the last
    /// attempt's timeout (scamper's trace). N > 1: up to N probes at once (as traceroute's
    /// -N), over at most 2N consecutive TTLs from the lowest unresolved one, so a silent
    /// hop's wait overlaps the hops after it. Hops are resolved in TTL order under the same
    /// stop rules; probes already sent above the hop where the trace stops are extra (their
    /// replies are not recorded).
    std::uint8_t hops_in_flight = 1;
    std::string id; ///< result id; empty: the engine makes one
    std::string campaign;
    /// Rate group (the agent uses the campaign name). When `group_pps` > 0 the group's probes
    /// also pass a token bucket of their own, on top of the global one; the latest request of
    /// a group sets its rate.
    std::string rate_group;
    double group_pps = 0;
};

/// Ping methods (what the target answers with: echo reply, SYN-ACK/RST, port unreachable).
enum class ping_method : std::uint8_t { icmp, tcp_syn, udp };
/// "icmp", "tcp-syn", "udp".
const char* to_string(ping_method m) noexcept;
std::optional<ping_method> parse_ping_method(std::string_view text) noexcept;

/// One ping series to submit.
struct ping_request {
    ipv4_addr dst;
    ping_method method = ping_method::icmp;
    std::uint16_t dst_port = 0; ///< 0: 33435 (udp) or 80 (tcp-syn)
    std::uint16_t flow = 0;
    std::uint32_t count = 5;
    std::chrono::milliseconds interval{1000};
    std::chrono::milliseconds wait{1000}; ///< after each probe
    std::uint8_t ttl = 64;
    std::string id;
    std::string campaign;
    std::string rate_group; ///< as in trace_request
    double group_pps = 0;
};

/// Monotonic counters for metrics; a snapshot is a plain copy.
struct counters {
    std::uint64_t probes_sent = 0;
    std::uint64_t send_errors = 0;       ///< sendto() failures other than a full buffer
    std::uint64_t send_retries = 0;      ///< EAGAIN/ENOBUFS: probe re-sent later
    std::uint64_t packets_captured = 0;  ///< every packet the filter admitted
    std::uint64_t outgoing_captured = 0; ///< our own probes seen leaving
    std::uint64_t replies_matched = 0;
    std::uint64_t replies_unmatched = 0; ///< decoded but answering no outstanding probe
    /// Named an outstanding probe (flow and ident) but got its other keyed bits wrong (IP id,
    /// tag, TCP sequence): a guess or a forgery, dropped (codec/probe_ident.hpp).
    std::uint64_t replies_mismatched = 0;
    /// ICMP replies whose own checksum is wrong (RFC 792): damaged or forged, dropped.
    std::uint64_t replies_bad_checksum = 0;
    std::uint64_t replies_late = 0;      ///< matched a probe whose wait had expired; dropped
    std::uint64_t replies_duplicate = 0; ///< second reply to one probe; dropped
    std::uint64_t decode_errors = 0;     ///< not decodable (truncated, bad header, ...)
    std::uint64_t capture_drops = 0;     ///< pcap_stats ps_drop (kernel) at last poll
    std::uint64_t traces_started = 0;
    std::uint64_t traces_done = 0;
    /// traces_done split by result::stop_reason (index = enum value).
    std::array<std::uint64_t, 7> traces_by_stop{};
    std::uint64_t pings_started = 0;
    std::uint64_t pings_done = 0;
    /// CLOCK_REALTIME of the first and the latest successful sendto() (0 before any), for
    /// send-rate figures: (probes_sent - 1) / (last - first).
    std::int64_t first_send_ns = 0;
    std::int64_t last_send_ns = 0;
    /// --pcap-out: packets written, dropped (queue full or after an error), write errors.
    std::uint64_t pcap_recorded = 0;
    std::uint64_t pcap_dropped = 0;
    std::uint64_t pcap_write_errors = 0;
};

/// The engine. Not copyable; all member functions must be called on the io_context's thread
/// (or before it runs).
class engine {
public:
    engine(boost::asio::io_context& io, engine_options options);
    ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    /// Opens the raw send socket and the capture handle (needs CAP_NET_RAW). Call before
    /// dropping privileges. Errors: std::errc::operation_not_permitted when the capability
    /// is missing; others with a message in `error_text()`.
    std::error_code open();
    /// Human-readable detail of the last open() failure ("pcap_activate(eth0): ...").
    const std::string& error_text() const noexcept;
    bool is_open() const noexcept;

    /// The probes' source address (valid after a successful open()).
    ipv4_addr source() const noexcept;
    /// The capture interface actually used (after open()).
    const std::string& interface() const noexcept;

    /// Queues a trace; `done` is called once with the finished result. Requires open().
    void submit_trace(trace_request request, std::function<void(result::trace)> done);
    /// Queues a ping series; `done` is called once with the finished result.
    void submit_ping(ping_request request, std::function<void(result::ping)> done);

    /// Jobs submitted and not finished yet (active + queued).
    std::size_t pending() const noexcept;
    /// Called (once) each time pending() drops to 0.
    void on_idle(std::function<void()> callback);

    /// Counter snapshot.
    counters stats() const;

    /// Stops I/O: cancels timers and capture, drops queued and active jobs without calling
    /// their callbacks, closes the socket and capture handle.
    void close();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// The source address the kernel would use toward `dst` (a UDP socket connect(), which
/// sends nothing). nullopt when there is no route.
std::optional<ipv4_addr> route_source(ipv4_addr dst);

/// The name of the interface that holds `addr`, or nullopt.
std::optional<std::string> interface_of(ipv4_addr addr);

} // namespace tumen::probe::engine
