#pragma once
// The engine's capture: the libpcap handle (opened, link type checked, BPF filter for our
// replies and, optionally, our own probes leaving), its selectable fd in the Asio loop, and
// frames turned into IPv4 packets with capture timestamps (the outgoing copies give the
// probes' send timestamps on the same clock as the replies).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>

#include <tumen/common/asio.hpp>
#include <tumen/common/ipv4.hpp>
#include <tumen/probe/engine/link_layer.hpp>

#include "pcap_capture.hpp"

namespace tumen::probe::engine {

/// The BPF filter for probes from `src` with source ports / ICMP ids in [lo, hi]: replies
/// (any ICMP to us, TCP to our ports) and, with `outgoing`, our own probes leaving.
std::string capture_filter(ipv4_addr src, unsigned lo, unsigned hi, bool outgoing);

/// One captured frame: its capture time and the IPv4 packet in it (nullopt when the frame
/// holds none or is truncated).
struct captured_frame {
    std::int64_t ts_ns = 0;
    std::optional<link_payload> payload;
};

/// The capture handle in the Asio loop.
class capture_source {
public:
    explicit capture_source(boost::asio::io_context& io)
        : io_(io) {}

    /// Opens `device`, checks its link type and installs `filter`. Errors carry libpcap's
    /// text (or the unsupported link type) in `error`.
    std::error_code open(const std::string& device, int buffer_bytes, bool outgoing,
                         const std::string& filter, std::string& error);
    /// Cancels the wait and closes the handle. Not from inside drain().
    void close();

    /// Calls `handler(error_code)` once frames can be read.
    template <class Handler>
    void async_wait(Handler&& handler) {
        if (fd_) {
            fd_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                            std::forward<Handler>(handler));
        }
    }

    /// Reads what is there (at most 64 batches of 512 frames, while `keep_going` stays
    /// true) and calls `on_frame(const captured_frame&)` for each.
    template <class OnFrame>
    void drain(OnFrame& on_frame, const bool& keep_going) {
        for (int rounds = 0; rounds < 64 && keep_going; ++rounds) {
            dispatching_ = true;
            context<OnFrame> ctx{this, &on_frame};
            const int n =
                pcap_dispatch(capture_.handle(), 512, &capture_source::trampoline<OnFrame>,
                              reinterpret_cast<u_char*>(&ctx));
            dispatching_ = false;
            if (n < 512) {
                // The ring is empty (or the loop was broken): another pcap_dispatch() would
                // only poll() the socket to find nothing.
                break;
            }
        }
    }

    /// Turns the wake-ups for captured frames on or off. Off, frames wait in the ring
    /// (which holds a tenth of a second of them) for the next drain(): the engine turns them
    /// off while its pacing wakes it every millisecond or sooner anyway, and drains there.
    void wakeups(bool on) noexcept;

    /// True while drain() is inside libpcap (a callback must not close the handle then).
    bool dispatching() const noexcept { return dispatching_; }
    /// Makes a drain() in progress return after the current frame.
    void break_loop() noexcept { pcap_breakloop(capture_.handle()); }
    /// Kernel drops so far.
    std::uint64_t drops() const noexcept { return capture_.drops(); }

private:
    template <class OnFrame>
    struct context {
        capture_source* self;
        OnFrame* on_frame;
    };

    template <class OnFrame>
    static void trampoline(u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
        auto* ctx = reinterpret_cast<context<OnFrame>*>(user);
        (*ctx->on_frame)(ctx->self->frame(h, bytes));
    }

    captured_frame frame(const pcap_pkthdr* h, const u_char* bytes) const noexcept {
        captured_frame f;
        f.ts_ns = static_cast<std::int64_t>(h->ts.tv_sec) * 1'000'000'000 +
                  static_cast<std::int64_t>(h->ts.tv_usec) * (capture_.nano() ? 1 : 1000);
        f.payload = ipv4_payload(dlt_, std::span<const std::uint8_t>(bytes, h->caplen));
        return f;
    }

    boost::asio::io_context& io_;
    pcap_capture capture_;
    /// An epoll set of our own holding libpcap's fd, in the Asio loop: wakeups() takes the
    /// fd out of it and puts it back without touching Asio's registration. (Asio keeps a
    /// descriptor registered edge-triggered while it is open: every frame would wake the
    /// loop, a wait pending or not.)
    std::optional<boost::asio::posix::stream_descriptor> fd_;
    bool wakeups_ = true;
    int dlt_ = -1;
    bool dispatching_ = false;
};

} // namespace tumen::probe::engine
