#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <openssl/evp.h>

#include <tumen/controller/asmap/file_hash.hpp>
#include <tumen/controller/asmap/load_report.hpp>

namespace tumen::controller::asmap {

std::string sha256_file(const std::string& path) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) {
        throw asmap_error(path + ": cannot open: " + std::strerror(errno));
    }
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
        throw asmap_error(path + ": cannot start SHA-256");
    }
    char buf[1 << 16];
    for (;;) {
        const std::size_t n = std::fread(buf, 1, sizeof buf, f.get());
        if (n > 0 && EVP_DigestUpdate(ctx.get(), buf, n) != 1) {
            throw asmap_error(path + ": SHA-256 failed");
        }
        if (n < sizeof buf) {
            if (std::ferror(f.get())) {
                throw asmap_error(path + ": read error");
            }
            break;
        }
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) {
        throw asmap_error(path + ": SHA-256 failed");
    }
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * len);
    for (unsigned int i = 0; i < len; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 0x0f]);
    }
    return out;
}

} // namespace tumen::controller::asmap
