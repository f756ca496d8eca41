// The result hand-off without a controller: JSON lines in the output file, records in the
// spool; nothing to drain in standalone mode.
#include <doctest/doctest.h>

#include <tumen/probe/agent/result_handoff.hpp>

#include "temp_dir.hpp"

using namespace tumen::probe::agent;

TEST_CASE("result hand-off: standalone results are appended as JSON lines") {
    tumen::test::temp_dir dir;
    const auto path = (dir.path / "out.jsonl").string();
    tumen::test::write_file(path, "{\"earlier\":1}\n");
    boost::asio::io_context io;
    agent_metrics metrics("fra", "test");
    result_handoff h(io, metrics);
    REQUIRE(h.open_output(path));
    CHECK_FALSE(h.uploading());
    h.deliver("fra-1", nlohmann::json{{"id", "fra-1"}, {"type", "ping"}});
    // Invalid UTF-8 is replaced, not an error.
    h.deliver("fra-2", nlohmann::json{{"id", "fra-2"}, {"name", std::string("a\xff")}});
    h.sync();
    CHECK(tumen::test::read_file(path) == "{\"earlier\":1}\n"
                                          "{\"id\":\"fra-1\",\"type\":\"ping\"}\n"
                                          "{\"id\":\"fra-2\",\"name\":\"a\xef\xbf\xbd\"}\n");
    CHECK_FALSE(h.drain([] { FAIL("nothing to drain"); }));
    CHECK(h.summary().empty());
    h.stop();
}

TEST_CASE("result hand-off: an output file that cannot be opened is a start-up error") {
    boost::asio::io_context io;
    agent_metrics metrics("fra", "test");
    result_handoff h(io, metrics);
    CHECK_FALSE(h.open_output("/nonexistent-dir/out.jsonl"));
}

TEST_CASE("result hand-off: controller mode spools every result") {
    tumen::test::temp_dir dir;
    boost::asio::io_context io;
    agent_metrics metrics("fra", "test");
    agent_config cfg = parse_agent_config("agent: fra\ncontroller: {url: "
                                          "\"http://127.0.0.1:9/\", token: t}\nspool: {dir: " +
                                              (dir.path / "spool").string() + "}\n",
                                          dir.path / "agent.yaml");
    {
        result_handoff h(io, metrics);
        REQUIRE(h.open_upload(cfg));
        CHECK(h.uploading());
        CHECK(h.client().url().port == 9);
        h.deliver("fra-1", nlohmann::json{{"id", "fra-1"}});
        h.deliver("fra-2", nlohmann::json{{"id", "fra-2"}});
        CHECK(h.summary() == ", 2 spooled");
        h.stop();
    }
    // The records stay in the spool for the uploader (not started here: no network).
    auto sp = spool::open(dir.path / "spool", 1 << 20);
    CHECK(sp.size() == 2);
    CHECK(upload_options_of(*cfg.controller).token == "t");
    CHECK(upload_options_of(*cfg.controller).batch_size == cfg.controller->batch_size);
}
