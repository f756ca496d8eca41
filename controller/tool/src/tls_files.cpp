// init-tls files: a self-signed CA (basicConstraints CA:TRUE, pathlen 0) and a server
// certificate it signs with the requested subjectAltNames (RFC 5280 section 4.2.1.6), both
// P-256 / SHA-256 with random 127-bit serial numbers (RFC 5280 section 4.1.2.2).
#include "tls_files.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tumen::controller::tool {
namespace {

namespace fs = std::filesystem;

struct pkey_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const noexcept { X509_free(p); }
};
struct bio_free {
    void operator()(BIO* p) const noexcept { BIO_free(p); }
};
struct bn_free {
    void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using bn_ptr = std::unique_ptr<BIGNUM, bn_free>;

constexpr int ca_min_days = 3650;

/// Throws with OpenSSL's last error when `ok` is false.
void require(bool ok, const char* what) {
    if (ok) {
        return;
    }
    char buf[256] = "no detail";
    if (const unsigned long e = ERR_get_error(); e != 0) {
        ERR_error_string_n(e, buf, sizeof buf);
    }
    ERR_clear_error();
    throw tls_files_error(std::string("OpenSSL: ") + what + " failed: " + buf);
}

pkey_ptr new_key() {
    pkey_ptr k(EVP_EC_gen("P-256"));
    require(k != nullptr, "EVP_EC_gen(P-256)");
    return k;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    require(ext != nullptr, OBJ_nid2sn(nid));
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    require(ok, "X509_add_ext");
}

void set_random_serial(X509* cert) {
    unsigned char bytes[16];
    require(RAND_bytes(bytes, sizeof bytes) == 1, "RAND_bytes");
    bytes[0] &= 0x7f; // positive
    bytes[0] |= 0x40; // and never shorter than 16 bytes
    bn_ptr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
    require(bn != nullptr, "BN_bin2bn");
    require(BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr,
            "BN_to_ASN1_INTEGER");
}

/// A certificate for `key` named `common_name`, valid `days` from an hour ago, signed by
/// `issuer_key` (issuer == nullptr: self-signed, a CA; otherwise a server certificate with
/// subjectAltName `san`).
x509_ptr new_cert(EVP_PKEY* key, const std::string& common_name, int days, X509* issuer,
                  EVP_PKEY* issuer_key, const std::string& san) {
    x509_ptr cert(X509_new());
    require(cert != nullptr, "X509_new");
    X509* c = cert.get();
    require(X509_set_version(c, X509_VERSION_3) == 1, "X509_set_version");
    set_random_serial(c);
    require(X509_gmtime_adj(X509_getm_notBefore(c), -3600) != nullptr, "X509_gmtime_adj");
    require(X509_time_adj_ex(X509_getm_notAfter(c), days, 0, nullptr) != nullptr,
            "X509_time_adj_ex");
    require(X509_set_pubkey(c, key) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(c);
    const auto add = [&](const char* field, const std::string& v) {
        require(X509_NAME_add_entry_by_txt(
                    name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(v.c_str()),
                    static_cast<int>(std::min<std::size_t>(v.size(), 64)), -1, 0) == 1,
                "X509_NAME_add_entry_by_txt");
    };
    // ub-common-name is 64 (RFC 5280 appendix A.1): the SANs carry the full names.
    add("O", "tumen");
    add("CN", common_name);
    X509* issuer_cert = issuer != nullptr ? issuer : c;
    require(X509_set_issuer_name(c, X509_get_subject_name(issuer_cert)) == 1,
            "X509_set_issuer_name");
    add_extension(c, issuer_cert, NID_subject_key_identifier, "hash");
    if (issuer == nullptr) {
        add_extension(c, c, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
        add_extension(c, c, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(c, issuer_cert, NID_authority_key_identifier, "keyid:always");
        add_extension(c, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(c, issuer_cert, NID_key_usage, "critical,digitalSignature");
        add_extension(c, issuer_cert, NID_ext_key_usage, "serverAuth");
        add_extension(c, issuer_cert, NID_subject_alt_name, san);
    }
    require(X509_sign(c, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
    return cert;
}

std::string pem_of(const X509* cert) {
    bio_ptr b(BIO_new(BIO_s_mem()));
    require(b != nullptr && PEM_write_bio_X509(b.get(), const_cast<X509*>(cert)) == 1,
            "PEM_write_bio_X509");
    char* data = nullptr;
    const long n = BIO_get_mem_data(b.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string pem_of(EVP_PKEY* key) {
    bio_ptr b(BIO_new(BIO_s_mem()));
    require(b != nullptr &&
                PEM_write_bio_PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
            "PEM_write_bio_PrivateKey");
    char* data = nullptr;
    const long n = BIO_get_mem_data(b.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

[[noreturn]] void fail_errno(const fs::path& p, const char* what) {
    throw tls_files_error(p.string() + ": cannot " + what + ": " + std::strerror(errno));
}

/// An fd closed at scope exit.
struct fd_guard {
    int fd = -1;
    ~fd_guard() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

/// Writes `text` to `dest` with `mode`: a new temporary file beside it (created with that
/// mode, fchmod against the umask), fsync, then renamed over `dest` (`replace`) or linked to
/// `dest`, which fails if `dest` appeared meanwhile (no overwrite, not even by a race).
void write_file(const fs::path& dest, const std::string& text, mode_t mode, bool replace) {
    const fs::path tmp = dest.string() + ".tmp-" + std::to_string(::getpid());
    fd_guard f;
    f.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (f.fd < 0) {
        fail_errno(tmp, "create");
    }
    const auto cleanup_fail = [&](const char* what) {
        const int saved = errno;
        ::unlink(tmp.c_str());
        errno = saved;
        fail_errno(tmp, what);
    };
    if (::fchmod(f.fd, mode) != 0) {
        cleanup_fail("chmod");
    }
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(f.fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            cleanup_fail("write");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(f.fd) != 0) {
        cleanup_fail("fsync");
    }
    if (replace) {
        if (::rename(tmp.c_str(), dest.c_str()) != 0) {
            cleanup_fail("rename into place");
        }
        return;
    }
    if (::link(tmp.c_str(), dest.c_str()) != 0) {
        const int saved = errno;
        ::unlink(tmp.c_str());
        errno = saved;
        fail_errno(dest, "create");
    }
    ::unlink(tmp.c_str());
}

bool valid_dns_name(const std::string& h) {
    if (h.empty() || h.size() > 253 || h.front() == '.' || h.back() == '.' ||
        h.find("..") != std::string::npos) {
        return false;
    }
    for (std::size_t i = 0; i < h.size(); ++i) {
        const auto c = static_cast<unsigned char>(h[i]);
        const bool wildcard = c == '*' && i == 0 && h.size() > 2 && h[1] == '.';
        if (!(std::isalnum(c) || c == '-' || c == '.' || wildcard)) {
            return false;
        }
    }
    return true;
}

} // namespace

tls_files tls_file_paths(const fs::path& dir) {
    return {dir / "ca.crt", dir / "ca.key", dir / "controller.crt", dir / "controller.key"};
}

std::string subject_alt_name_entry(const std::string& host) {
    unsigned char buf[16];
    if (::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
        ::inet_pton(AF_INET6, host.c_str(), buf) == 1) {
        return "IP:" + host;
    }
    if (!valid_dns_name(host)) {
        throw tls_files_error("--host \"" + host +
                              "\": not an IP address or a host name ([A-Za-z0-9.-], "
                              "optionally *. in front)");
    }
    return "DNS:" + host;
}

tls_files write_tls_files(const tls_request& req) {
    if (req.hosts.empty()) {
        throw tls_files_error("at least one --host is needed");
    }
    if (req.days < 1 || req.days > 36500) {
        throw tls_files_error("--days " + std::to_string(req.days) + ": must be 1..36500");
    }
    std::string san;
    for (const auto& h : req.hosts) {
        san += (san.empty() ? "" : ",") + subject_alt_name_entry(h);
    }
    const tls_files out = tls_file_paths(req.dir);
    std::error_code ec;
    if (!fs::exists(req.dir, ec)) {
        fs::create_directories(req.dir, ec);
        if (ec) {
            throw tls_files_error(req.dir.string() + ": cannot create: " + ec.message());
        }
        fs::permissions(req.dir, fs::perms(0755), ec);
    } else if (!fs::is_directory(req.dir, ec)) {
        throw tls_files_error(req.dir.string() + ": not a directory");
    }
    if (!req.force) {
        for (const auto& p : {out.ca_cert, out.ca_key, out.server_cert, out.server_key}) {
            if (fs::symlink_status(p, ec).type() != fs::file_type::not_found) {
                throw tls_files_error(p.string() +
                                      " exists; not overwritten (--force replaces the CA and the "
                                      "server certificate: every agent then needs the new ca.crt)");
            }
        }
    }

    const pkey_ptr ca_key = new_key();
    const x509_ptr ca = new_cert(ca_key.get(), "tumen CA " + req.hosts.front(),
                                 std::max(req.days, ca_min_days), nullptr, nullptr, {});
    const pkey_ptr server_key = new_key();
    const x509_ptr server =
        new_cert(server_key.get(), req.hosts.front(), req.days, ca.get(), ca_key.get(), san);

    // Keys first: a certificate never exists without its key.
    write_file(out.ca_key, pem_of(ca_key.get()), 0600, req.force);
    write_file(out.ca_cert, pem_of(ca.get()), 0644, req.force);
    write_file(out.server_key, pem_of(server_key.get()), 0600, req.force);
    write_file(out.server_cert, pem_of(server.get()), 0644, req.force);
    return out;
}

} // namespace tumen::controller::tool
