#include "capture_source.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <unistd.h>

namespace tumen::probe::engine {

std::string capture_filter(ipv4_addr src, unsigned lo, unsigned hi, bool outgoing) {
    const std::string s = src.to_string();
    const std::string range = std::to_string(lo) + "-" + std::to_string(hi);
    // Replies: any ICMP to us (errors quoting our probes, echo replies), TCP to our
    // source ports (SYN-ACK/RST from the targets' ports).
    std::string f = "(dst host " + s + " and (icmp or (tcp and dst portrange " + range + ")))";
    if (outgoing) {
        // Our own probes leaving, for send timestamps on the capture clock.
        f += " or (src host " + s + " and ((udp and src portrange " + range +
             ") or (tcp and src portrange " + range +
             " and tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0)"
             " or (icmp and icmp[icmptype] == icmp-echo and icmp[4:2] >= " +
             std::to_string(lo) + " and icmp[4:2] <= " + std::to_string(hi) + ")))";
    }
    return f;
}

std::error_code capture_source::open(const std::string& device, int buffer_bytes, bool outgoing,
                                     const std::string& filter, std::string& error) {
    if (auto ec = capture_.open(device, buffer_bytes, outgoing, error)) {
        return ec;
    }
    dlt_ = capture_.datalink();
    if (!supported_link_type(dlt_)) {
        const char* name = pcap_datalink_val_to_name(dlt_);
        error = "capture on " + device + ": unsupported link type " + std::to_string(dlt_) + " (" +
                (name ? name : "?") + ")";
        capture_.close();
        return std::make_error_code(std::errc::not_supported);
    }
    if (auto ec = capture_.set_filter(filter, error)) {
        capture_.close();
        return ec;
    }
    const int gate = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    if (gate < 0 || ::epoll_ctl(gate, EPOLL_CTL_ADD, capture_.selectable_fd(), &ev) != 0) {
        const int e = errno;
        error = "capture on " + device + ": epoll: " + std::strerror(e);
        if (gate >= 0) {
            ::close(gate);
        }
        capture_.close();
        return {e, std::system_category()};
    }
    fd_.emplace(io_, gate); // closes the epoll set with it
    wakeups_ = true;
    return {};
}

void capture_source::close() {
    if (fd_) {
        fd_->cancel();
        fd_.reset();
    }
    capture_.close();
}

void capture_source::wakeups(bool on) noexcept {
    if (!fd_ || on == wakeups_) {
        return;
    }
    epoll_event ev{};
    ev.events = on ? static_cast<std::uint32_t>(EPOLLIN) : 0U;
    if (::epoll_ctl(fd_->native_handle(), EPOLL_CTL_MOD, capture_.selectable_fd(), &ev) == 0) {
        wakeups_ = on;
    }
}

} // namespace tumen::probe::engine
