#include <algorithm>

#include <tumen/controller/readers/result_batch.hpp>

namespace tumen::controller::readers {

std::string record_issue::to_string() const {
    std::string out = file;
    if (line > 0) {
        out += ":" + std::to_string(line);
    }
    out += element;
    out += unsupported ? ": note: " : ": error: ";
    out += message;
    return out;
}

std::size_t result_batch::error_count() const {
    return static_cast<std::size_t>(
        std::count_if(issues.begin(), issues.end(), [](const auto& i) { return !i.unsupported; }));
}

} // namespace tumen::controller::readers
