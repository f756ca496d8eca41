// classify --format text: one line per verdict, change and latency series.
#include <cstdio>
#include <ctime>

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
        const auto& v = r.verdict;
        out_ << iso_time(r.time) << "  " << r.agent << "  " << r.target.to_string() << "  "
             << v.path << transit_note(v);
        if (v.border_addr) {
            out_ << "  border " << v.border_addr->to_string();
            if (v.border_rtt_ms) {
                char buf[32];
                std::snprintf(buf, sizeof buf, " %.1f ms", *v.border_rtt_ms);
                out_ << buf;
            }
        }
        if (v.weak) {
            out_ << (v.prohibited     ? "  [weak: the border answered for the target; counted]"
                     : v.known_border ? "  [weak: ends at a known border interface; counted]"
                                      : "  [weak: target not reached]");
        }
        if (!r.reachable) {
            out_ << "  UNREACHABLE";
        }
        if (!v.via_ixp.empty()) {
            out_ << "  via IXP " << v.via_ixp;
        }
        out_ << "  " << r.trace_id << '\n';
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
};

} // namespace

std::unique_ptr<classify_output> make_text_output(std::ostream& out) {
    return std::make_unique<text_output>(out);
}

} // namespace tumen::controller::tool
