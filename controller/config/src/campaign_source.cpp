#include <tumen/controller/config/campaign_source.hpp>

namespace tumen::controller::config {

campaign_source::campaign_source(std::vector<std::filesystem::path> files)
    : files_(std::move(files))
    , current_(std::make_shared<campaign::campaign_set>()) {}

std::vector<campaign_source::stamp>
campaign_source::stamps_of(const std::vector<std::filesystem::path>& files) {
    std::vector<stamp> out;
    for (const auto& f : files) {
        stamp s;
        std::error_code ec;
        s.mtime = std::filesystem::last_write_time(f, ec);
        if (!ec) {
            s.size = std::filesystem::file_size(f, ec);
            s.exists = !ec;
        }
        out.push_back(s);
    }
    return out;
}

namespace {
std::vector<std::string> as_strings(const std::vector<std::filesystem::path>& files) {
    std::vector<std::string> out;
    for (const auto& f : files) {
        out.push_back(f.string());
    }
    return out;
}
} // namespace

void campaign_source::load() {
    std::vector<std::filesystem::path> files;
    {
        std::lock_guard lock(mutex_);
        files = files_;
    }
    install(prepare(std::move(files)));
}

campaign_source::prepared campaign_source::prepare(std::vector<std::filesystem::path> files) {
    prepared p;
    p.stamps = stamps_of(files);
    p.set =
        std::make_shared<campaign::campaign_set>(campaign::load_campaigns_files(as_strings(files)));
    p.files = std::move(files);
    return p;
}

void campaign_source::install(prepared next) {
    std::lock_guard lock(mutex_);
    files_ = std::move(next.files);
    current_ = std::move(next.set);
    ++generation_;
    last_stamps_ = std::move(next.stamps);
}

std::vector<std::filesystem::path> campaign_source::files() const {
    std::lock_guard lock(mutex_);
    return files_;
}

reload_result campaign_source::reload() {
    auto files = this->files();
    auto st = stamps_of(files);
    reload_result r;
    try {
        install(prepare(std::move(files)));
        r.reloaded = true;
    } catch (const std::exception& e) {
        r.error = e.what();
        // A failed attempt is not tried again until a file changes again.
        std::lock_guard lock(mutex_);
        last_stamps_ = std::move(st);
    }
    return r;
}

reload_result campaign_source::poll() {
    auto st = stamps_of(files());
    {
        std::lock_guard lock(mutex_);
        if (st == last_stamps_) {
            return {};
        }
    }
    return reload();
}

std::shared_ptr<const campaign::campaign_set> campaign_source::current() const {
    std::lock_guard lock(mutex_);
    return current_;
}

std::uint64_t campaign_source::generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
}

} // namespace tumen::controller::config
