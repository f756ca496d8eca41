#pragma once
// Test certificates made at run time with OpenSSL (no files in the repository, nothing
// downloaded): a self-signed CA and a server certificate it signs, with a subjectAltName
// (RFC 5280 section 4.2.1.6) so host name / IP verification can succeed or fail on purpose.
#include <filesystem>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <string>

namespace tumen::test {

struct evp_pkey_free_t {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct x509_free_t {
    void operator()(X509* p) const noexcept { X509_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, evp_pkey_free_t>;
using x509_ptr = std::unique_ptr<X509, x509_free_t>;

/// A key pair and the certificate for it.
struct key_and_cert {
    pkey_ptr key;
    x509_ptr cert;
};

inline void require(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string("test certificate: ") + what + " failed");
    }
}

inline void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    require(ext != nullptr, "X509V3_EXT_conf_nid");
    require(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
    X509_EXTENSION_free(ext);
}

/// A P-256 key and a certificate for `common_name`, signed by `issuer` (self-signed when
/// null). `san`: subjectAltName value such as "IP:127.0.0.1" (empty: none). `ca`: a CA.
inline key_and_cert make_cert(const std::string& common_name, const key_and_cert* issuer,
                              const std::string& san, bool ca, long serial) {
    key_and_cert out;
    out.key.reset(EVP_EC_gen("P-256"));
    require(out.key != nullptr, "EVP_EC_gen");
    out.cert.reset(X509_new());
    X509* c = out.cert.get();
    require(X509_set_version(c, 2) == 1, "X509_set_version");
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 24L * 3600);
    require(X509_set_pubkey(c, out.key.get()) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("tumen test"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    X509* issuer_cert = issuer ? issuer->cert.get() : c;
    require(X509_set_issuer_name(c, X509_get_subject_name(issuer_cert)) == 1,
            "X509_set_issuer_name");
    if (ca) {
        add_extension(c, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(c, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(c, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(c, issuer_cert, NID_ext_key_usage, "serverAuth");
    }
    if (!san.empty()) {
        add_extension(c, issuer_cert, NID_subject_alt_name, san.c_str());
    }
    EVP_PKEY* signer = issuer ? issuer->key.get() : out.key.get();
    require(X509_sign(c, signer, EVP_sha256()) > 0, "X509_sign");
    return out;
}

inline void write_pem(const std::filesystem::path& file, const X509* cert) {
    FILE* f = std::fopen(file.c_str(), "w");
    require(f != nullptr, "fopen");
    const bool ok = PEM_write_X509(f, const_cast<X509*>(cert)) == 1;
    std::fclose(f);
    require(ok, "PEM_write_X509");
}

inline void write_pem(const std::filesystem::path& file, EVP_PKEY* key) {
    FILE* f = std::fopen(file.c_str(), "w");
    require(f != nullptr, "fopen");
    const bool ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    std::fclose(f);
    require(ok, "PEM_write_PrivateKey");
}

/// Files of one test PKI in `dir`: ca.pem, server.pem (chain: server then CA), server.key,
/// and other-ca.pem (a CA that signed nothing here).
struct test_pki {
    std::filesystem::path ca, server_cert, server_key, other_ca;

    /// `server_san`: the server certificate's subjectAltName.
    test_pki(const std::filesystem::path& dir, const std::string& server_san) {
        auto root = make_cert("tumen test CA", nullptr, "", true, 1);
        auto server = make_cert("controller", &root, server_san, false, 2);
        auto other = make_cert("unrelated CA", nullptr, "", true, 3);
        ca = dir / "ca.pem";
        server_cert = dir / "server.pem";
        server_key = dir / "server.key";
        other_ca = dir / "other-ca.pem";
        write_pem(ca, root.cert.get());
        write_pem(server_cert, server.cert.get());
        write_pem(server_key, server.key.get());
        write_pem(other_ca, other.cert.get());
    }
};

} // namespace tumen::test
