/// @file
/// tumen-delayline: the lab's link emulator (the lab kernel has no netem). It creates a TUN
/// device in each of two network namespaces, returns to its own namespace, and forwards every
/// IP packet from one device to the other after a constant one-way delay per direction,
/// dropping a configured random percentage. See deploy/lab/README.md.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include <tumen/common/asio.hpp>

#include "control.hpp"
#include "forwarder.hpp"
#include "netns.hpp"
#include "options.hpp"
#include "tun_device.hpp"

namespace {

using tumen::lab::delayline_options;
using tumen::lab::unique_fd;

/// Removes the pidfile when the program ends (however it ends after start-up).
class pidfile_guard {
public:
    explicit pidfile_guard(std::string path)
        : path_(std::move(path)) {
        if (path_.empty()) {
            return;
        }
        const std::string tmp = path_ + ".tmp";
        {
            std::ofstream out(tmp, std::ios::trunc);
            out << ::getpid() << '\n';
            if (!out) {
                throw std::runtime_error("cannot write pidfile " + tmp);
            }
        }
        // rename(2) is atomic: a reader never sees a half-written pidfile.
        if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
            throw std::runtime_error("cannot create pidfile " + path_ + ": " +
                                     std::strerror(errno));
        }
    }
    pidfile_guard(const pidfile_guard&) = delete;
    pidfile_guard& operator=(const pidfile_guard&) = delete;
    ~pidfile_guard() {
        if (!path_.empty()) {
            ::unlink(path_.c_str());
        }
    }

private:
    std::string path_;
};

std::chrono::nanoseconds from_ms(double ms) {
    return std::chrono::nanoseconds(static_cast<std::int64_t>(ms * 1e6));
}

unique_fd create_tun_in(const std::string& ns, const std::string& dev) {
    const unique_fd target = tumen::lab::open_netns(ns);
    const tumen::lab::scoped_netns inside(target);
    return tumen::lab::create_tun(dev);
}

/// SIGHUP: re-reads the control file and applies it to both directions, or says why not
/// (an unreadable or invalid file changes nothing).
void apply_control(const std::string& path, tumen::lab::forwarder& a_to_b,
                   tumen::lab::forwarder& b_to_a) {
    if (path.empty()) {
        std::fprintf(stderr, "tumen-delayline: control: SIGHUP without --control; ignored\n");
        return;
    }
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
        std::fprintf(stderr, "tumen-delayline: control: cannot read %s; nothing changed\n",
                     path.c_str());
        return;
    }
    const auto parsed = tumen::lab::parse_control(text.str());
    if (!parsed.ok()) {
        std::fprintf(stderr, "tumen-delayline: control: %s: %s; nothing changed\n", path.c_str(),
                     parsed.error.c_str());
        return;
    }
    if (parsed.settings.loss_pct) {
        a_to_b.set_loss_pct(*parsed.settings.loss_pct);
    }
    if (parsed.settings.loss_pct_back) {
        b_to_a.set_loss_pct(*parsed.settings.loss_pct_back);
    }
    std::fprintf(stderr, "tumen-delayline: control: loss %s %.2f %% %s %.2f %%\n",
                 a_to_b.name().c_str(), a_to_b.loss_pct(), b_to_a.name().c_str(),
                 b_to_a.loss_pct());
}

int run(const delayline_options& o) {
    namespace asio = boost::asio;
    // Both devices are created before anything else runs; the thread then returns to the
    // namespace it started in and only ever touches the two TUN descriptors.
    unique_fd tun_a = create_tun_in(o.ns_a, o.dev_a);
    unique_fd tun_b = create_tun_in(o.ns_b, o.dev_b);

    std::uint64_t seed = o.seed;
    if (seed == 0) {
        std::random_device rd;
        seed = (static_cast<std::uint64_t>(rd()) << 32) | rd();
    }

    asio::io_context io(1);
    // The stream descriptors take ownership of the TUN fds (closing them deletes the devices).
    asio::posix::stream_descriptor side_a(io, tun_a.release());
    asio::posix::stream_descriptor side_b(io, tun_b.release());

    tumen::lab::forwarder a_to_b(io, side_a, side_b.native_handle(), o.label_a + "->" + o.label_b,
                                 from_ms(o.delay_ms), o.loss_pct, seed, o.max_queue);
    tumen::lab::forwarder b_to_a(io, side_b, side_a.native_handle(), o.label_b + "->" + o.label_a,
                                 from_ms(o.delay_ms_back), o.loss_pct_back,
                                 seed ^ 0x9e3779b97f4a7c15ULL, o.max_queue);

    const auto report = [&](const char* why) {
        for (const auto* f : {&a_to_b, &b_to_a}) {
            std::fprintf(
                stderr, "tumen-delayline: %s: %s\n", why,
                tumen::lab::format_counters(f->name(), f->counters(), f->queued()).c_str());
        }
        std::fflush(stderr);
    };

    asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) {
            io.stop();
        }
    });
    asio::signal_set usr1(io, SIGUSR1);
    std::function<void(const boost::system::error_code&, int)> on_usr1 =
        [&](const boost::system::error_code& ec, int) {
            if (ec) {
                return;
            }
            report("counters");
            usr1.async_wait(on_usr1);
        };
    usr1.async_wait(on_usr1);
    asio::signal_set hup(io, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_hup =
        [&](const boost::system::error_code& ec, int) {
            if (ec) {
                return;
            }
            apply_control(o.control_file, a_to_b, b_to_a);
            std::fflush(stderr);
            hup.async_wait(on_hup);
        };
    hup.async_wait(on_hup);

    a_to_b.start();
    b_to_a.start();
    const pidfile_guard pid(o.pidfile);
    std::fprintf(stderr, "tumen-delayline: %s/%s <-> %s/%s delay %.3f/%.3f ms loss %.2f/%.2f %%\n",
                 o.ns_a.c_str(), o.dev_a.c_str(), o.ns_b.c_str(), o.dev_b.c_str(), o.delay_ms,
                 o.delay_ms_back, o.loss_pct, o.loss_pct_back);
    std::fflush(stderr);
    io.run();
    report("exit");
    return a_to_b.failed() || b_to_a.failed() ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    const auto options = tumen::lab::parse_options(argc, argv, exit_code);
    if (!options) {
        return exit_code;
    }
    try {
        return run(*options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tumen-delayline: %s\n", e.what());
        return 1;
    }
}
