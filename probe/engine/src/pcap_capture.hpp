#pragma once
// The libpcap capture handle, RAII, non-blocking with a selectable fd for the Asio loop.
#include <cstdint>
#include <string>
#include <system_error>

#include <pcap/pcap.h>

namespace tumen::probe::engine {

class pcap_capture {
public:
    pcap_capture() = default;
    ~pcap_capture();
    pcap_capture(const pcap_capture&) = delete;
    pcap_capture& operator=(const pcap_capture&) = delete;

    /// pcap_create + snaplen + immediate mode + nanosecond timestamps + buffer size +
    /// pcap_activate + pcap_setnonblock, and with `outgoing` false, incoming packets only.
    /// Errors: operation_not_permitted when the capability is missing; `error` holds
    /// libpcap's text.
    std::error_code open(const std::string& device, int buffer_bytes, bool outgoing,
                         std::string& error);
    /// Compiles and installs a BPF filter.
    std::error_code set_filter(const std::string& expression, std::string& error);
    void close() noexcept;

    bool is_open() const noexcept { return handle_ != nullptr; }
    pcap_t* handle() const noexcept { return handle_; }
    int selectable_fd() const noexcept;
    int datalink() const noexcept;
    /// True if timestamps are in nanoseconds (else microseconds).
    bool nano() const noexcept { return nano_; }
    /// Kernel drops so far (pcap_stats ps_drop), 0 if unavailable.
    std::uint64_t drops() const noexcept;

private:
    pcap_t* handle_ = nullptr;
    bool nano_ = false;
};

} // namespace tumen::probe::engine
