#include <algorithm>
#include <cctype>
#include <charconv>

#include <tumen/common/result_json.hpp>
#include <tumen/controller/asmap/line_reader.hpp>
#include <tumen/controller/ingest/reader.hpp>

#include "scamper.hpp"

namespace tumen::controller::ingest {
namespace {

using json = nlohmann::json;

struct record_state {
    std::string source;
    ingest_batch& batch;
    detail::scamper_context scamper;
};

void issue(record_state& st, std::size_t line, const std::string& element, std::string message,
           bool unsupported = false) {
    st.batch.issues.push_back(
        ingest_issue{st.source, line, element, std::move(message), unsupported});
}

std::string type_of(const json& j) {
    auto it = j.find("type");
    if (it == j.end()) {
        return {};
    }
    return it->is_string() ? it->get<std::string>() : std::string("<not a string>");
}

bool is_ipv6_record(const json& j) {
    auto af = j.find("af");
    return af != j.end() && af->is_number_integer() && af->get<int>() == 6;
}

/// An Atlas result that holds only probe-side errors (name resolution or bind failed).
bool is_atlas_failure(const json& j, std::string& message) {
    auto r = j.find("result");
    if (r == j.end() || !r->is_array() || r->empty()) {
        return false;
    }
    for (const auto& e : *r) {
        if (!e.is_object() || !e.contains("error") || e.contains("result")) {
            return false;
        }
        if (e["error"].is_string()) {
            message = e["error"].get<std::string>();
        }
    }
    return true;
}

void handle_metadata(record_state& st, const json& meta, std::size_t line, const std::string& el) {
    auto uuid = meta.find("UUID");
    if (uuid == meta.end() || !uuid->is_string() || uuid->get<std::string>().empty()) {
        issue(st, line, el, "M-Lab metadata: UUID missing, empty or not a string");
        st.scamper.uuid.clear();
        return;
    }
    st.scamper.uuid = uuid->get<std::string>();
}

void handle_scamper_trace(record_state& st, const json& j, std::size_t line,
                          const std::string& el) {
    auto t = detail::parse_scamper_trace(j, st.scamper);
    if (!t.ok()) {
        bool v6 = t.error().where == "af";
        issue(st, line, el, "scamper trace: " + t.error().message(), v6);
        return;
    }
    st.batch.traces.push_back(std::move(*t));
}

void handle_record(record_state& st, const json& j, std::size_t line, const std::string& el) {
    if (!j.is_object()) {
        issue(st, line, el, std::string("expected a JSON object, got ") + j.type_name());
        return;
    }
    // M-Lab traceroute-caller one-object form: {Metadata, CycleStart, Trace, CycleStop}.
    if (j.contains("Metadata") || j.contains("Trace")) {
        if (auto m = j.find("Metadata"); m != j.end()) {
            if (m->is_object()) {
                handle_metadata(st, *m, line, el);
            } else {
                issue(st, line, el, "M-Lab Metadata is not an object");
            }
        }
        if (auto c = j.find("CycleStart"); c != j.end() && c->is_object()) {
            if (auto h = c->find("hostname"); h != c->end() && h->is_string()) {
                st.scamper.hostname = h->get<std::string>();
            }
        }
        auto t = j.find("Trace");
        if (t == j.end() || !t->is_object() || type_of(*t) != "trace") {
            issue(st, line, el, "M-Lab record without a scamper trace object in \"Trace\"");
            return;
        }
        handle_scamper_trace(st, *t, line, el);
        return;
    }
    if (j.contains("UUID")) {
        handle_metadata(st, j, line, el);
        return;
    }
    const std::string type = type_of(j);
    if (type == "traceroute" || type == "ping") {
        if (is_ipv6_record(j)) {
            issue(st, line, el, "IPv6 " + type + " result skipped (only IPv4 is supported)", true);
            return;
        }
        std::string failure;
        if (type == "traceroute" && is_atlas_failure(j, failure)) {
            issue(st, line, el, "measurement failed on the probe: " + failure, true);
            return;
        }
        // tumen's own results carry `agent` and `id`; others are Atlas results.
        result::parse_options opts{j.contains("agent") && j.contains("id") &&
                                   !j.contains("prb_id")};
        if (type == "traceroute") {
            auto t = result::parse_trace(j, opts);
            if (!t.ok()) {
                issue(st, line, el, "traceroute: " + t.error().message());
                return;
            }
            st.batch.traces.push_back(std::move(*t));
        } else {
            auto p = result::parse_ping(j, opts);
            if (!p.ok()) {
                issue(st, line, el, "ping: " + p.error().message());
                return;
            }
            st.batch.pings.push_back(std::move(*p));
        }
        return;
    }
    if (type == "trace") {
        handle_scamper_trace(st, j, line, el);
        return;
    }
    if (type == "tracelb") {
        issue(st, line, el, "scamper tracelb (MDA) record skipped (not supported)", true);
        return;
    }
    if (type == "cycle-start") {
        if (auto h = j.find("hostname"); h != j.end() && h->is_string()) {
            st.scamper.hostname = h->get<std::string>();
        }
        return;
    }
    if (type == "cycle-stop" || type == "list" || type == "cycle-def") {
        return;
    }
    if (type.empty()) {
        issue(st, line, el, "record without \"type\"");
        return;
    }
    issue(st, line, el, "unknown record type \"" + type.substr(0, 40) + "\"");
}

std::size_t line_of_offset(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    return 1 + static_cast<std::size_t>(std::count(
                   text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

bool looks_like_text_traceroute(std::string_view text) {
    return text.find("traceroute to ") != std::string_view::npos &&
           text.find_first_not_of(" \t\r\n") != std::string_view::npos &&
           text[text.find_first_not_of(" \t\r\n")] != '{' &&
           text[text.find_first_not_of(" \t\r\n")] != '[';
}

} // namespace

std::string ingest_issue::to_string() const {
    std::string out = file;
    if (line > 0) {
        out += ":" + std::to_string(line);
    }
    out += element;
    out += unsupported ? ": note: " : ": error: ";
    out += message;
    return out;
}

std::size_t ingest_batch::error_count() const {
    return static_cast<std::size_t>(
        std::count_if(issues.begin(), issues.end(), [](const auto& i) { return !i.unsupported; }));
}

ingest_batch read_results_text(std::string_view text, const std::string& source) {
    ingest_batch batch;
    record_state st{source, batch, {}};
    if (looks_like_text_traceroute(text)) {
        return read_traceroute_text(text, source, source);
    }
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return batch;
    }
    // A JSON array, or one object holding `results`: parse the whole text.
    bool whole = text[first] == '[';
    json doc;
    if (text[first] == '{') {
        // Could be JSON lines; only treat as one document if it parses as one and has results.
        doc = json::parse(text, nullptr, false);
        whole = !doc.is_discarded() && doc.is_object() && doc.contains("results");
    }
    if (whole) {
        if (text[first] == '[') {
            try {
                doc = json::parse(text);
            } catch (const json::parse_error& e) {
                issue(st, line_of_offset(text, e.byte == 0 ? 0 : e.byte - 1), "",
                      std::string("invalid JSON: ") + e.what());
                return batch;
            }
        }
        const json& arr = doc.is_array() ? doc : doc["results"];
        if (!arr.is_array()) {
            issue(st, 1, "", "\"results\" is not an array");
            return batch;
        }
        for (std::size_t i = 0; i < arr.size(); ++i) {
            handle_record(st, arr[i], 0, "[" + std::to_string(i) + "]");
        }
        return batch;
    }
    // JSON lines.
    std::size_t pos = 0;
    std::size_t line = 0;
    // M-Lab traceroute-caller files (first line: the metadata object with "UUID") are exactly
    // metadata, cycle-start, trace, cycle-stop; anything after cycle-stop, even an empty
    // line, makes the file malformed (as M-Lab's own parser rules: errTracerouteFile). The
    // records before it are still read.
    bool mlab_file = false;
    bool mlab_stopped = false;
    bool mlab_extra_reported = false;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            nl = text.size();
        }
        auto l = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++line;
        if (mlab_stopped && !mlab_extra_reported) {
            mlab_extra_reported = true;
            issue(st, line, "",
                  "M-Lab traceroute file continues after cycle-stop (expected exactly "
                  "metadata, cycle-start, trace and cycle-stop lines)");
        }
        if (l.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue;
        }
        json j;
        try {
            j = json::parse(l);
        } catch (const json::parse_error& e) {
            issue(st, line, "", "invalid JSON at byte " + std::to_string(e.byte) + " of the line");
            continue;
        }
        if (line == 1 && j.is_object() && j.contains("UUID")) {
            mlab_file = true;
        }
        if (mlab_file && j.is_object() && type_of(j) == "cycle-stop") {
            mlab_stopped = true;
        }
        handle_record(st, j, line, "");
    }
    return batch;
}

ingest_batch read_results_file(const std::string& path) {
    std::string text;
    std::string err;
    if (!asmap::read_whole_file(path, text, err)) {
        ingest_batch b;
        b.issues.push_back(ingest_issue{path, 0, "", err, false});
        return b;
    }
    return read_results_text(text, path);
}

namespace {

/// `!X`-style annotations of BSD/Linux traceroute (traceroute(8)): ICMP unreachable codes.
bool apply_annotation(std::string_view tok, result::hop_reply& r) {
    struct ann {
        std::string_view text;
        std::uint8_t code;
        const char* err;
    };
    static constexpr ann anns[] = {{"!N", 0, "N"},  {"!H", 1, "H"},   {"!P", 2, "P"},
                                   {"!F", 4, "F"},  {"!S", 5, "S"},   {"!X", 13, "A"},
                                   {"!A", 13, "A"}, {"!V", 14, "14"}, {"!C", 15, "15"}};
    for (const auto& a : anns) {
        if (tok == a.text) {
            r.icmp_type = 3;
            r.icmp_code = a.code;
            r.err = a.err;
            return true;
        }
    }
    return false;
}

result::hop_reply timeout_reply() {
    result::hop_reply r;
    r.timeout = true;
    return r;
}

} // namespace

ingest_batch read_traceroute_text(std::string_view text, const std::string& source,
                                  const std::string& agent) {
    ingest_batch batch;
    record_state st{source, batch, {}};
    result::trace* cur = nullptr;
    ipv4_addr cur_addr;
    bool have_addr = false;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    std::size_t traces = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            nl = text.size();
        }
        std::string line(text.substr(pos, nl - pos));
        pos = nl + 1;
        ++line_no;
        if (auto h = line.find("traceroute to "); h != std::string::npos) {
            auto open = line.find('(', h);
            auto close = line.find(')', open == std::string::npos ? h : open);
            std::optional<ipv4_addr> dst;
            if (open != std::string::npos && close != std::string::npos) {
                dst = ipv4_addr::parse(std::string_view(line).substr(open + 1, close - open - 1));
            }
            if (!dst) {
                issue(st, line_no, "", "traceroute header without an IPv4 destination", true);
                cur = nullptr;
                continue;
            }
            batch.traces.emplace_back();
            cur = &batch.traces.back();
            cur->dst = *dst;
            cur->agent = agent;
            cur->proto = "UDP";
            cur->method = "udp";
            cur->id = source + ":" + std::to_string(line_no);
            ++traces;
            have_addr = false;
            continue;
        }
        if (cur == nullptr) {
            continue;
        }
        std::size_t i = line.find_first_not_of(" \t");
        if (i == std::string::npos) {
            continue;
        }
        result::hop* hop = nullptr;
        if (std::isdigit(static_cast<unsigned char>(line[i])) != 0 &&
            (i == 0 || line.find_first_of(" \t", i) != std::string::npos)) {
            unsigned ttl = 0;
            auto [p, ec] = std::from_chars(line.data() + i, line.data() + line.size(), ttl);
            bool is_hop_number =
                ec == std::errc{} && (p == line.data() + line.size() || *p == ' ' || *p == '\t') &&
                ttl >= 1 && ttl <= 255 &&
                line.substr(i, static_cast<std::size_t>(p - line.data()) - i).find('.') ==
                    std::string::npos;
            // A continuation line starts with an address ("    107.14.19.22 ..."), not a hop
            // number followed by spaces; hop numbers are followed by two spaces in practice.
            if (is_hop_number && (i < 3)) {
                cur->hops.emplace_back();
                cur->hops.back().ttl = static_cast<std::uint8_t>(ttl);
                i = static_cast<std::size_t>(p - line.data());
                have_addr = false;
            }
        }
        if (cur->hops.empty()) {
            issue(st, line_no, "", "hop line before any hop number");
            continue;
        }
        hop = &cur->hops.back();
        // Tokens: "*", address, "(address)", hostname, "<rtt>" followed by "ms", "!X".
        std::vector<std::string> toks;
        std::size_t k = i;
        while (k < line.size()) {
            auto b = line.find_first_not_of(" \t\r", k);
            if (b == std::string::npos) {
                break;
            }
            auto e = line.find_first_of(" \t\r", b);
            if (e == std::string::npos) {
                e = line.size();
            }
            toks.push_back(line.substr(b, e - b));
            k = e;
        }
        for (std::size_t t = 0; t < toks.size(); ++t) {
            std::string tok = toks[t];
            if (tok == "*") {
                hop->replies.push_back(timeout_reply());
                continue;
            }
            if (tok.size() > 2 && tok.front() == '(' && tok.back() == ')') {
                tok = tok.substr(1, tok.size() - 2);
            }
            if (auto a = ipv4_addr::parse(tok)) {
                cur_addr = *a;
                have_addr = true;
                continue;
            }
            if (!tok.empty() && tok[0] == '!') {
                if (!hop->replies.empty() && !hop->replies.back().timeout) {
                    apply_annotation(tok, hop->replies.back());
                }
                continue;
            }
            double rtt = 0;
            auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), rtt);
            if (ec == std::errc{} && p == tok.data() + tok.size() && t + 1 < toks.size() &&
                toks[t + 1] == "ms") {
                if (!have_addr) {
                    issue(st, line_no, "", "round-trip time without an address");
                    continue;
                }
                result::hop_reply r;
                r.from = cur_addr;
                r.rtt_ms = rtt;
                r.icmp_type = cur_addr == cur->dst ? 3 : 11;
                r.icmp_code = cur_addr == cur->dst ? 3 : 0;
                hop->replies.push_back(r);
                ++t; // "ms"
                continue;
            }
            // Host names and anything else carry no data.
        }
    }
    if (traces == 0) {
        issue(st, 0, "", "no \"traceroute to\" header found");
    }
    for (auto& t : batch.traces) {
        if (!t.hops.empty() && !t.hops.back().replies.empty()) {
            const auto& last = t.hops.back().replies;
            bool reached = std::any_of(last.begin(), last.end(), [&](const auto& r) {
                return !r.timeout && r.from == t.dst;
            });
            t.stop = reached ? result::stop_reason::completed : result::stop_reason::none;
        }
    }
    return batch;
}

} // namespace tumen::controller::ingest
