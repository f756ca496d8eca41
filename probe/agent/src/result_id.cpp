#include <array>
#include <openssl/rand.h>
#include <stdexcept>

#include <tumen/probe/agent/result_id.hpp>

namespace tumen::probe::agent {

std::string make_result_id(std::string_view agent) {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed: no random id for a result");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string id(agent);
    id.push_back('-');
    for (auto b : bytes) {
        id.push_back(hex[b >> 4]);
        id.push_back(hex[b & 0xf]);
    }
    return id;
}

} // namespace tumen::probe::agent
