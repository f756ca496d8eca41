#include "tun_device.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdexcept>
#include <sys/ioctl.h>
#include <system_error>

namespace tumen::lab {

unique_fd create_tun(const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ) {
        throw std::invalid_argument("TUN device name '" + name + "' must have 1 to " +
                                    std::to_string(IFNAMSIZ - 1) + " characters");
    }
    unique_fd fd{::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)};
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "cannot open /dev/net/tun");
    }
    ifreq ifr{};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    if (::ioctl(fd.get(), TUNSETIFF, &ifr) != 0) {
        throw std::system_error(errno, std::generic_category(),
                                "TUNSETIFF for device '" + name + "'");
    }
    return fd;
}

} // namespace tumen::lab
