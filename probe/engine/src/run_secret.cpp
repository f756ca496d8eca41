#include "run_secret.hpp"

#include <cerrno>
#include <sys/random.h>
#include <system_error>

namespace tumen::probe::engine {

codec::siphash_key draw_run_secret() {
    codec::siphash_key key{};
    std::size_t got = 0;
    while (got < key.size()) {
        const ssize_t n = ::getrandom(key.data() + got, key.size() - got, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::system_error(errno, std::generic_category(),
                                    "getrandom (probe identity secret)");
        }
        got += static_cast<std::size_t>(n);
    }
    return key;
}

} // namespace tumen::probe::engine
