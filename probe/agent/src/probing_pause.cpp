#include <cerrno>

#include <tumen/probe/agent/probing_pause.hpp>

namespace tumen::probe::agent {

bool probing_pause::is_no_space(std::error_code ec) noexcept {
    return ec == std::errc::no_space_on_device ||
           (ec.category() == std::generic_category() && ec.value() == EDQUOT) ||
           (ec.category() == std::system_category() && ec.value() == EDQUOT);
}

bool probing_pause::nearly_full(spool_level level) const noexcept {
    return level.max_bytes > 0 &&
           static_cast<double>(level.bytes) >= options_.high * static_cast<double>(level.max_bytes);
}

bool probing_pause::pause(pause_reason reason, std::string why, spool_level level,
                          clock::time_point now) noexcept {
    if (reason_ == reason) {
        return false;
    }
    reason_ = reason;
    why_ = std::move(why);
    bytes_at_pause_ = level.bytes;
    paused_at_ = now;
    ++pauses_;
    return true;
}

bool probing_pause::resume(std::string why) noexcept {
    reason_ = pause_reason::none;
    why_ = std::move(why);
    return true;
}

bool probing_pause::after_write(std::error_code ec, spool_level level,
                                clock::time_point now) noexcept {
    if (ec && is_no_space(ec)) {
        return pause(pause_reason::disk_full,
                     "the spool cannot write: " + ec.message() + " (disk full)", level, now);
    }
    if (!ec && reason_ == pause_reason::disk_full) {
        // A write went through (a result of a job started before the pause): space is back.
        resume("a spool write succeeded again");
        (void)update(level, now); // may pause again, for the spool's cap
        return true;
    }
    return update(level, now);
}

bool probing_pause::update(spool_level level, clock::time_point now) noexcept {
    switch (reason_) {
    case pause_reason::none:
        if (nearly_full(level)) {
            return pause(pause_reason::spool_full,
                         "the spool holds " + std::to_string(level.bytes) + " of its " +
                             std::to_string(level.max_bytes) + " bytes (spool nearly full)",
                         level, now);
        }
        return false;
    case pause_reason::spool_full:
        if (static_cast<double>(level.bytes) <=
            options_.low * static_cast<double>(level.max_bytes)) {
            return resume("the spool is down to " + std::to_string(level.bytes) + " of its " +
                          std::to_string(level.max_bytes) + " bytes");
        }
        return false;
    case pause_reason::disk_full:
        if (bytes_at_pause_ > 0 && level.bytes <= bytes_at_pause_ - bytes_at_pause_ / 4) {
            return resume("uploads freed " + std::to_string(bytes_at_pause_ - level.bytes) +
                          " bytes of the spool");
        }
        if (now - paused_at_ >= options_.retry_after) {
            return resume("trying again after " + std::to_string(options_.retry_after.count()) +
                          " s");
        }
        return false;
    }
    return false;
}

} // namespace tumen::probe::agent
