// init-tls files (controller/tool/src/tls_files.*): the server certificate verifies against
// the CA with OpenSSL for every requested name and address (and not for another), the keys
// are mode 0600 and match their certificates, and nothing is overwritten without force.
#include <filesystem>
#include <fstream>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "tls_files.hpp"

using namespace tumen::controller::tool;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "tumen-tls-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

struct x509_free {
    void operator()(X509* p) const noexcept { X509_free(p); }
};
struct pkey_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using x509_ptr = std::unique_ptr<X509, x509_free>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

x509_ptr read_cert(const fs::path& p) {
    FILE* f = std::fopen(p.c_str(), "r");
    REQUIRE_MESSAGE(f != nullptr, p.string());
    x509_ptr c(PEM_read_X509(f, nullptr, nullptr, nullptr));
    std::fclose(f);
    REQUIRE_MESSAGE(c != nullptr, "not a PEM certificate: " << p.string());
    return c;
}

pkey_ptr read_key(const fs::path& p) {
    FILE* f = std::fopen(p.c_str(), "r");
    REQUIRE_MESSAGE(f != nullptr, p.string());
    pkey_ptr k(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
    std::fclose(f);
    REQUIRE_MESSAGE(k != nullptr, "not a PEM private key: " << p.string());
    return k;
}

/// OpenSSL's chain verification of `leaf` against the single trusted `ca`, for a TLS server
/// (purpose sslserver) named `host` (an IP address when `ip`); X509_V_OK when it verifies.
int verify(X509* ca, X509* leaf, const std::string& host, bool ip) {
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                  X509_STORE_free);
    REQUIRE(X509_STORE_add_cert(store.get(), ca) == 1);
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                        X509_STORE_CTX_free);
    REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr) == 1);
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    REQUIRE(X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER) == 1);
    if (ip) {
        REQUIRE(X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1);
    } else {
        REQUIRE(X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1);
    }
    const int ok = X509_verify_cert(ctx.get());
    const int err = X509_STORE_CTX_get_error(ctx.get());
    return ok == 1 ? X509_V_OK : (err == X509_V_OK ? -1 : err);
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("init-tls: the server certificate verifies against the CA for each --host") {
    temp_dir d;
    tls_request req;
    req.dir = d.path / "tls";
    req.hosts = {"controller.example.net", "198.51.100.7", "2001:db8::7"};
    req.days = 30;
    // A restrictive umask must not matter, nor a permissive one.
    const mode_t old = ::umask(0);
    const tls_files f = write_tls_files(req);
    ::umask(old);

    CHECK(f.ca_cert == req.dir / "ca.crt");
    CHECK(f.server_key == req.dir / "controller.key");
    const auto ca = read_cert(f.ca_cert);
    const auto server = read_cert(f.server_cert);
    CHECK(verify(ca.get(), server.get(), "controller.example.net", false) == X509_V_OK);
    CHECK(verify(ca.get(), server.get(), "198.51.100.7", true) == X509_V_OK);
    CHECK(verify(ca.get(), server.get(), "2001:db8::7", true) == X509_V_OK);
    CHECK(verify(ca.get(), server.get(), "other.example.net", false) ==
          X509_V_ERR_HOSTNAME_MISMATCH);
    CHECK(verify(ca.get(), server.get(), "198.51.100.8", true) == X509_V_ERR_IP_ADDRESS_MISMATCH);
    // The CA is a CA; the server certificate is not (it cannot sign another).
    CHECK(X509_check_ca(ca.get()) == 1);
    CHECK(X509_check_ca(server.get()) == 0);
    CHECK(X509_check_purpose(server.get(), X509_PURPOSE_SSL_SERVER, 0) == 1);
    // The SANs are exactly the hosts requested.
    CHECK(X509_check_host(server.get(), "controller.example.net", 0, 0, nullptr) == 1);
    CHECK(X509_check_ip_asc(server.get(), "198.51.100.7", 0) == 1);
    // Server validity: --days (30) from about now; the CA lasts at least 10 years.
    int day = 0, sec = 0;
    REQUIRE(ASN1_TIME_diff(&day, &sec, X509_get0_notBefore(server.get()),
                           X509_get0_notAfter(server.get())) == 1);
    CHECK(day == 30);
    REQUIRE(ASN1_TIME_diff(&day, &sec, nullptr, X509_get0_notAfter(ca.get())) == 1);
    CHECK(day >= 3649);

    // Keys: 0600, and each is the key of its certificate. Certificates: 0644. Directory 0755.
    CHECK(mode_of(f.ca_key) == 0600);
    CHECK(mode_of(f.server_key) == 0600);
    CHECK(mode_of(f.ca_cert) == 0644);
    CHECK(mode_of(f.server_cert) == 0644);
    CHECK(mode_of(req.dir) == 0755);
    const auto server_key = read_key(f.server_key);
    const auto ca_key = read_key(f.ca_key);
    CHECK(X509_check_private_key(server.get(), server_key.get()) == 1);
    CHECK(X509_check_private_key(ca.get(), ca_key.get()) == 1);
    CHECK(X509_check_private_key(server.get(), ca_key.get()) == 0);
    // No temporary file left behind.
    CHECK(std::distance(fs::directory_iterator(req.dir), fs::directory_iterator()) == 4);
}

TEST_CASE("init-tls: existing files are not overwritten without force") {
    temp_dir d;
    tls_request req;
    req.dir = d.path;
    req.hosts = {"localhost", "127.0.0.1"};
    const tls_files f = write_tls_files(req);
    const std::string ca_before = slurp(f.ca_cert);
    const std::string key_before = slurp(f.server_key);

    try {
        write_tls_files(req);
        FAIL("a second run without force must throw");
    } catch (const tls_files_error& e) {
        CHECK(std::string(e.what()).find(f.ca_cert.string() + " exists") != std::string::npos);
    }
    CHECK(slurp(f.ca_cert) == ca_before);
    CHECK(slurp(f.server_key) == key_before);

    // One file of the four is enough to refuse, and nothing is written then.
    fs::remove(f.ca_cert);
    fs::remove(f.ca_key);
    fs::remove(f.server_cert);
    CHECK_THROWS_AS(write_tls_files(req), tls_files_error);
    CHECK_FALSE(fs::exists(f.ca_cert));
    CHECK(slurp(f.server_key) == key_before);

    req.force = true;
    const tls_files again = write_tls_files(req);
    CHECK(slurp(again.server_key) != key_before);
    CHECK(mode_of(again.server_key) == 0600);
    const auto ca = read_cert(again.ca_cert);
    const auto server = read_cert(again.server_cert);
    CHECK(verify(ca.get(), server.get(), "localhost", false) == X509_V_OK);
    CHECK(verify(ca.get(), server.get(), "127.0.0.1", true) == X509_V_OK);
}

TEST_CASE("init-tls: bad hosts and days are errors naming them") {
    CHECK(subject_alt_name_entry("198.51.100.7") == "IP:198.51.100.7");
    CHECK(subject_alt_name_entry("2001:db8::1") == "IP:2001:db8::1");
    CHECK(subject_alt_name_entry("controller.example.net") == "DNS:controller.example.net");
    CHECK(subject_alt_name_entry("*.example.net") == "DNS:*.example.net");
    for (const char* bad : {"", "a b", "ctl,DNS:evil.example", "a..b", "x*.example.net", ".a"}) {
        CAPTURE(bad);
        CHECK_THROWS_WITH_AS(subject_alt_name_entry(bad),
                             doctest::Contains(("--host \"" + std::string(bad) + "\"").c_str()),
                             tls_files_error);
    }
    temp_dir d;
    tls_request req;
    req.dir = d.path;
    CHECK_THROWS_WITH_AS(write_tls_files(req), "at least one --host is needed", tls_files_error);
    req.hosts = {"localhost"};
    req.days = 0;
    CHECK_THROWS_WITH_AS(write_tls_files(req), "--days 0: must be 1..36500", tls_files_error);
    req.days = 10;
    req.hosts = {"localhost", "bad host"};
    CHECK_THROWS_AS(write_tls_files(req), tls_files_error);
    CHECK(fs::is_empty(d.path));
    // A file where the directory should be.
    std::ofstream(d.path / "file") << "x";
    req.hosts = {"localhost"};
    req.dir = d.path / "file";
    CHECK_THROWS_WITH_AS(write_tls_files(req), doctest::Contains("not a directory"),
                         tls_files_error);
}
