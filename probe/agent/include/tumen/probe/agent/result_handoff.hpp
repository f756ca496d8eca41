#pragma once
/// @file
/// Where the daemon's results go: in standalone mode appended to the `--output` file as JSON
/// lines; in controller mode written to the spool and uploaded by the uploader (which this
/// owns with its HTTP client). On stop, what is spooled is uploaded once more; the rest stays
/// spooled for the next start.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <tumen/common/asio.hpp>
#include <tumen/probe/agent/agent_config.hpp>
#include <tumen/probe/agent/agent_metrics.hpp>
#include <tumen/probe/agent/http_client.hpp>
#include <tumen/probe/agent/probing_pause.hpp>
#include <tumen/probe/agent/spool.hpp>
#include <tumen/probe/agent/unique_fd.hpp>
#include <tumen/probe/agent/uploader.hpp>

namespace tumen::probe::agent {

/// The upload settings of a `controller` section.
uploader_options upload_options_of(const controller_config& c);

/// The results' way out. Single-threaded (the daemon's io_context).
class result_handoff {
public:
    /// `metrics` must outlive the hand-off.
    result_handoff(boost::asio::io_context& io, agent_metrics& metrics);
    ~result_handoff();
    result_handoff(const result_handoff&) = delete;
    result_handoff& operator=(const result_handoff&) = delete;

    /// Standalone mode: results are appended to `path`. False (logged) if it cannot be opened.
    bool open_output(const std::string& path);
    /// Controller mode: opens the spool and the HTTP client of `cfg` (which has a controller
    /// section) and sets up the uploader. False (logged) on an error.
    bool open_upload(const agent_config& cfg);
    /// True in controller mode (after open_upload()).
    bool uploading() const noexcept { return uploader_ != nullptr; }
    /// The HTTP client to the controller (controller mode only).
    http_client& client() noexcept { return *client_; }
    /// Starts the upload loop (controller mode).
    void start();

    /// Hands one result over: one line of the output file, or one spool record (the uploader
    /// is woken up). A result that cannot be written is logged whole, not lost silently.
    void deliver(const std::string& id, const nlohmann::json& result);

    /// New controller settings (configuration reload): request timeout, token, batch limits,
    /// backoff.
    void set_options(const controller_config& c);

    /// Stopping: uploads what is spooled once more and calls `done` when the spool is empty
    /// or the controller turned out unreachable. Returns false, and never calls `done`, when
    /// there is nothing to upload (standalone mode or an empty spool).
    bool drain(std::function<void()> done);
    /// Stops the upload loop (after its current request).
    void stop();
    /// Flushes the output file to disk (standalone mode).
    void sync();

    /// Puts the spool's size in the metrics and re-evaluates the probing pause (the spool
    /// may have been emptied by uploads). Called every second by the daemon.
    void update_metrics();
    /// True while probing should pause: nothing more can be spooled (probing_pause.hpp).
    /// Always false in standalone mode.
    bool probing_paused() const noexcept { return pause_.paused(); }
    /// The pause state (tests).
    const probing_pause& pause_state() const noexcept { return pause_; }
    /// For the last log line: ", <n> spooled" in controller mode, "" otherwise.
    std::string summary() const;

private:
    void append_line(const std::string& id, const std::string& line);
    /// Logs and exports a change of the pause state.
    void pause_changed();

    boost::asio::io_context& io_;
    agent_metrics& metrics_;
    std::string output_path_;
    unique_fd output_;
    std::optional<spool> spool_;
    std::unique_ptr<http_client> client_;
    std::unique_ptr<uploader> uploader_;
    probing_pause pause_;
};

} // namespace tumen::probe::agent
