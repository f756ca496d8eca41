#include "pcap_capture.hpp"

#include <linux/if_packet.h>
#include <sys/socket.h>

namespace tumen::probe::engine {

pcap_capture::~pcap_capture() {
    close();
}

void pcap_capture::close() noexcept {
    if (handle_ != nullptr) {
        pcap_close(handle_);
        handle_ = nullptr;
    }
}

std::error_code pcap_capture::open(const std::string& device, int buffer_bytes, bool outgoing,
                                   std::string& error) {
    close();
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    handle_ = pcap_create(device.c_str(), errbuf);
    if (handle_ == nullptr) {
        error = "pcap_create(" + device + "): " + errbuf;
        return std::make_error_code(std::errc::no_such_device);
    }
    // Replies are short: an ICMP error is at most 576 bytes (RFC 1812 section 4.3.2.3), with
    // the quote padded to 128 bytes when RFC 4884 extensions (RFC 4950 MPLS labels) follow.
    // 720 bytes leave room for the link header (Ethernet, VLAN, Linux cooked); small frames
    // keep the capture ring small, which the kernel allocates and frees at every start and
    // exit, and which counts in the peak RSS. libpcap's frame is the snap length plus 84
    // bytes of headers, 16-byte aligned: 720 gives 816-byte frames, five to a 4 KiB block
    // (768 gave 864, four to a block).
    pcap_set_snaplen(handle_, 720);
    pcap_set_promisc(handle_, 0);
    pcap_set_immediate_mode(handle_, 1);
    if (buffer_bytes > 0) {
        pcap_set_buffer_size(handle_, buffer_bytes);
    }
    nano_ = pcap_set_tstamp_precision(handle_, PCAP_TSTAMP_PRECISION_NANO) == 0;
    const int rc = pcap_activate(handle_);
    if (rc < 0) {
        error = "pcap_activate(" + device + "): " + pcap_geterr(handle_);
        const bool perm = rc == PCAP_ERROR_PERM_DENIED;
        close();
        return perm ? std::make_error_code(std::errc::operation_not_permitted)
                    : std::make_error_code(std::errc::io_error);
    }
    if (pcap_setnonblock(handle_, 1, errbuf) != 0) {
        error = std::string("pcap_setnonblock: ") + errbuf;
        close();
        return std::make_error_code(std::errc::io_error);
    }
    if (!outgoing) {
        // Incoming only. libpcap 1.10's pcap_setdirection() drops outgoing frames in user
        // space, after the kernel has cloned each of our probes and copied it into the ring
        // (about 6% of the uncapped send path in `perf`); PACKET_IGNORE_OUTGOING (Linux 4.20)
        // keeps them away from this socket in the kernel. Where it is not supported the
        // direction check and the BPF filter still keep them out.
        const int on = 1;
        (void)::setsockopt(pcap_fileno(handle_), SOL_PACKET, PACKET_IGNORE_OUTGOING, &on,
                           sizeof on);
        (void)pcap_setdirection(handle_, PCAP_D_IN);
    }
    nano_ = pcap_get_tstamp_precision(handle_) == PCAP_TSTAMP_PRECISION_NANO;
    if (selectable_fd() < 0) {
        error = "pcap_get_selectable_fd(" + device + "): no selectable fd";
        close();
        return std::make_error_code(std::errc::not_supported);
    }
    return {};
}

std::error_code pcap_capture::set_filter(const std::string& expression, std::string& error) {
    bpf_program prog{};
    if (pcap_compile(handle_, &prog, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        error = "pcap_compile(\"" + expression + "\"): " + pcap_geterr(handle_);
        return std::make_error_code(std::errc::invalid_argument);
    }
    const int rc = pcap_setfilter(handle_, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        error = std::string("pcap_setfilter: ") + pcap_geterr(handle_);
        return std::make_error_code(std::errc::io_error);
    }
    return {};
}

int pcap_capture::selectable_fd() const noexcept {
    return handle_ == nullptr ? -1 : pcap_get_selectable_fd(handle_);
}

int pcap_capture::datalink() const noexcept {
    return handle_ == nullptr ? -1 : pcap_datalink(handle_);
}

std::uint64_t pcap_capture::drops() const noexcept {
    pcap_stat st{};
    if (handle_ == nullptr || pcap_stats(handle_, &st) != 0) {
        return 0;
    }
    return st.ps_drop;
}

} // namespace tumen::probe::engine
