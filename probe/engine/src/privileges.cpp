#include <cerrno>
#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>
#include <vector>

#include <tumen/probe/engine/privileges.hpp>

namespace tumen::probe::engine {

std::string missing_capability_message(const std::string& program) {
    return program +
           ": opening raw sockets needs the CAP_NET_RAW capability; run as root or grant it "
           "with: sudo setcap cap_net_raw+ep $(which " +
           program + ")";
}

std::error_code drop_privileges(const std::string& user, std::string& message) {
    if (geteuid() != 0) {
        message = "--user " + user + ": not running as root, nothing to drop";
        return std::make_error_code(std::errc::operation_not_permitted);
    }
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    const int rc = getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
    if (rc != 0 || found == nullptr) {
        message = "--user " + user + ": no such user";
        return std::make_error_code(std::errc::invalid_argument);
    }
    const gid_t gid = pw.pw_gid;
    const uid_t uid = pw.pw_uid;
    if (setgroups(1, &gid) != 0) {
        message = "setgroups: " + std::error_code(errno, std::generic_category()).message();
        return {errno, std::generic_category()};
    }
    if (setresgid(gid, gid, gid) != 0) {
        message = "setgid: " + std::error_code(errno, std::generic_category()).message();
        return {errno, std::generic_category()};
    }
    // setresuid from root to a non-root uid clears the permitted, effective and ambient
    // capability sets (capabilities(7)) unless PR_SET_KEEPCAPS is set, which we never do.
    if (setresuid(uid, uid, uid) != 0) {
        message = "setuid: " + std::error_code(errno, std::generic_category()).message();
        return {errno, std::generic_category()};
    }
    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        message = "privilege drop to " + user + " is reversible; refusing to continue";
        return std::make_error_code(std::errc::operation_not_permitted);
    }
    return {};
}

} // namespace tumen::probe::engine
