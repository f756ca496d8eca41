#include <tumen/probe/engine/frame_role.hpp>

namespace tumen::probe::engine {

frame_role role_of_frame(const codec::ipv4_peek& head, link_direction dir, ipv4_addr src) noexcept {
    if (dir == link_direction::outgoing) {
        return frame_role::own_probe;
    }
    // By shape, not by address alone: a reply can come from our own address.
    return head.src == src && head.probe_shaped ? frame_role::own_probe : frame_role::reply;
}

} // namespace tumen::probe::engine
