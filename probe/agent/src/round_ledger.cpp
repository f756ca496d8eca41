#include <tumen/probe/agent/round_ledger.hpp>

namespace tumen::probe::agent {

std::string work_item_key(const campaign::work_item& w) {
    return w.campaign + "|" + w.address.to_string() + "|" + campaign::to_string(w.how);
}

std::vector<campaign::work_item>
round_ledger::admit(const std::string& campaign, std::uint64_t round,
                    const std::vector<campaign::work_item>& items) {
    auto& [current_round, keys] = started_[campaign];
    if (current_round != round) {
        current_round = round;
        keys.clear();
    }
    std::vector<campaign::work_item> admitted;
    for (const auto& w : items) {
        if (w.campaign == campaign && keys.insert(work_item_key(w)).second) {
            admitted.push_back(w);
        }
    }
    return admitted;
}

} // namespace tumen::probe::agent
