#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <tumen/probe/agent/dead_letter.hpp>
#include <tumen/probe/agent/unique_fd.hpp>

namespace tumen::probe::agent {

std::error_code dead_letter_file::append(const std::vector<spool_record>& records,
                                         unsigned http_status, std::string_view reason) {
    std::string out;
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    const std::string why(reason.substr(0, 1000));
    for (const auto& r : records) {
        nlohmann::json line = {{"time", now}, {"http_status", http_status}, {"reason", why}};
        auto body = nlohmann::json::parse(r.body, nullptr, false);
        if (body.is_discarded()) {
            line["result_text"] = r.body; // keep the bytes even if they are not JSON
        } else {
            line["result"] = std::move(body);
        }
        out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        out.push_back('\n');
    }
    unique_fd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (!fd) {
        return {errno, std::generic_category()};
    }
    std::string_view rest(out);
    while (!rest.empty()) {
        const auto n = ::write(fd.get(), rest.data(), rest.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return {errno, std::generic_category()};
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fsync(fd.get()) != 0) {
        return {errno, std::generic_category()};
    }
    return {};
}

} // namespace tumen::probe::agent
