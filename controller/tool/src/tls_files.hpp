#pragma once
// The files of `tumen-controller init-tls`: a private CA and a server certificate it signs
// (OpenSSL), written with safe modes (keys 0600, certificates 0644).
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace tumen::controller::tool {

/// What to create: the directory, the server's names and addresses, validity, overwrite.
struct tls_request {
    std::filesystem::path dir;      ///< created (0755) if missing
    std::vector<std::string> hosts; ///< DNS names or IP addresses: the server's subjectAltNames
    int days = 825;                 ///< server certificate validity (the CA: at least 10 years)
    bool force = false;             ///< replace existing files
};

/// The paths written by write_tls_files.
struct tls_files {
    std::filesystem::path ca_cert;     ///< ca.crt: copy to every agent (`ca_file`)
    std::filesystem::path ca_key;      ///< ca.key (0600): signs server certificates
    std::filesystem::path server_cert; ///< controller.crt: the controller's `tls.cert`
    std::filesystem::path server_key;  ///< controller.key (0600): the controller's `tls.key`
};

/// A bad request or a failure to create a file; the message says what and where.
class tls_files_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The paths of the four files in `dir`.
tls_files tls_file_paths(const std::filesystem::path& dir);

/// "IP:198.51.100.7" for an IPv4/IPv6 address, "DNS:name" for a host name; throws
/// tls_files_error for anything else (empty, spaces, characters not allowed in a host name).
std::string subject_alt_name_entry(const std::string& host);

/// Creates the CA and the server key and certificate (P-256, SHA-256) in `req.dir`. Without
/// `force`, throws if any of the four files exists (and writes none). Each file is written to
/// a temporary file created with its final mode, then renamed into place (`force`) or
/// hard-linked there, which never replaces a file that appeared in between.
tls_files write_tls_files(const tls_request& req);

} // namespace tumen::controller::tool
