// Dispatch of JSON records by kind: tumen and RIPE Atlas results (result_records.cpp),
// scamper `trace` objects (scamper.cpp) and M-Lab traceroute-caller wrappers.
#include "record_state.hpp"

namespace tumen::controller::readers::detail {
namespace {

using json = nlohmann::json;

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
    auto t = parse_scamper_trace(j, st.scamper);
    if (!t.ok()) {
        bool v6 = t.error().where == "af";
        issue(st, line, el, "scamper trace: " + t.error().message(), v6);
        return;
    }
    st.batch.traces.push_back(std::move(*t));
}

} // namespace

std::string type_of(const json& j) {
    auto it = j.find("type");
    if (it == j.end()) {
        return {};
    }
    return it->is_string() ? it->get<std::string>() : std::string("<not a string>");
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
        handle_result_record(st, j, type, line, el);
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

} // namespace tumen::controller::readers::detail
