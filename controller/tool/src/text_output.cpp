// classify --format text: one line per verdict, change and latency series.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

#include "classify_output.hpp"

namespace tumen::controller::tool {
namespace {

std::string iso_time(std::int64_t t) {
    char buf[32];
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/// iso_time() appended to `out`, without gmtime_r and strftime for the years 1970 to 9999
/// (days to civil dates by H. Hinnant's algorithm): they were a tenth of the classifying
/// thread's time on bench/classify/run_atlas.sh (perf). The text is the same
/// (test_controller_classify_golden and the benchmark's output compared with cmp).
void append_iso_time(std::string& out, std::int64_t t) {
    if (t < 0 || t >= 253402300800) { // 10000-01-01T00:00:00Z
        out += iso_time(t);
        return;
    }
    const std::int64_t days = t / 86400;
    const auto secs = static_cast<unsigned>(t % 86400);
    const std::int64_t z = days + 719468; // days since 0000-03-01
    const std::int64_t era = z / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned day = doy - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    const auto year =
        static_cast<unsigned>(static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0));
    char buf[] = "0000-00-00T00:00:00Z";
    const auto put = [&buf](std::size_t at, unsigned value, std::size_t digits) {
        for (std::size_t i = digits; i-- > 0; value /= 10) {
            buf[at + i] = static_cast<char>('0' + value % 10);
        }
    };
    put(0, year, 4);
    put(5, month, 2);
    put(8, day, 2);
    put(11, secs / 3600, 2);
    put(14, secs / 60 % 60, 2);
    put(17, secs % 60, 2);
    out.append(buf, sizeof buf - 1);
}

/// `value` as printf's "%.1f" writes it (std::to_chars with a precision is specified so).
void append_fixed1(std::string& out, double value) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, 1);
    if (r.ec == std::errc{}) {
        out.append(buf, r.ptr);
        return;
    }
    char big[400]; // the largest double has 309 digits
    std::snprintf(big, sizeof big, "%.1f", value);
    out += big;
}

/// What the path name does not say about the transit: " (AS4837)" after a class or "other",
/// with the AS's name when known: ` (AS4837 "Name")`, or ` ("Name")` after "AS4837".
std::string transit_note(const inference::border_verdict& v) {
    if (!v.transit_asn) {
        return {};
    }
    std::string note;
    if (v.path != inference::as_path_name(*v.transit_asn)) {
        note = inference::as_path_name(*v.transit_asn);
    }
    if (!v.transit_name.empty()) {
        note += (note.empty() ? "\"" : " \"") + v.transit_name + "\"";
    }
    return note.empty() ? note : " (" + note + ")";
}

/// ` ("Name")`, or nothing for an empty name.
std::string quoted_name(const std::string& name) {
    return name.empty() ? name : " (\"" + name + "\")";
}

class text_output final : public classify_output {
public:
    explicit text_output(std::ostream& out)
        : out_(out) {}

    void datasets(const asmap::as_map&) override {}

    void verdict(const inference::verdict_record& r) override {
        // One line per trace: built in a buffer kept across calls, written at once.
        const auto& v = r.verdict;
        auto& l = line_;
        l.clear();
        append_iso_time(l, r.time);
        l.append("  ").append(r.agent).append("  ").append(r.target.to_string());
        l.append("  ").append(v.path).append(transit_note(v));
        if (v.border_addr) {
            l.append("  border ").append(v.border_addr->to_string());
            if (v.border_rtt_ms) {
                l += ' ';
                append_fixed1(l, *v.border_rtt_ms);
                l += " ms";
            }
        }
        if (v.weak) {
            l += v.prohibited     ? "  [weak: the border answered for the target; counted]"
                 : v.known_border ? "  [weak: ends at a known border interface; counted]"
                                  : "  [weak: target not reached]";
        }
        if (!r.reachable) {
            l += "  UNREACHABLE";
        }
        if (!v.via_ixp.empty()) {
            l.append("  via IXP ").append(v.via_ixp);
        }
        l.append("  ").append(r.trace_id) += '\n';
        out_.write(l.data(), static_cast<std::streamsize>(l.size()));
    }

    void change(const inference::change_record& c) override {
        const auto& e = c.event;
        out_ << iso_time(e.first_new_time) << "  " << c.agent << "  " << c.target.to_string()
             << "  CHANGE " << e.from << quoted_name(c.from_transit_name) << " -> " << e.to
             << quoted_name(c.to_transit_name) << "  (last on old path "
             << iso_time(e.last_old_time) << ", confirmed by " << e.trace_ids.size()
             << " traces)\n";
    }

    void latency(const inference::latency_accumulator& acc) override {
        for (const auto& [key, s] : acc.series()) {
            auto ms = [](const inference::rtt_summary& r) {
                if (r.count == 0) {
                    return std::string("-");
                }
                char b[32];
                std::snprintf(b, sizeof b, "%.1f ms", r.mean());
                return std::string(b);
            };
            // Agent names can be long (file names): only the numbers go through a buffer.
            char loss[32];
            std::snprintf(loss, sizeof loss, "%.3f", s.loss_ratio());
            out_ << "latency  " << key.agent << "  " << key.target.to_string() << "  " << key.path
                 << "  traces " << s.traces << " pings " << s.pings << "  e2e " << ms(s.end_to_end)
                 << "  border " << ms(s.border) << "  loss " << loss << '\n';
        }
    }

private:
    std::ostream& out_;
    std::string line_;
};

} // namespace

std::unique_ptr<classify_output> make_text_output(std::ostream& out) {
    return std::make_unique<text_output>(out);
}

} // namespace tumen::controller::tool
