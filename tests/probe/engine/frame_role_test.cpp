// role_of_frame: our own probes leaving are told from replies by direction and shape, not by
// source address alone, so replies from the agent's own address are kept.
#include <doctest/doctest.h>

#include <tumen/probe/engine/frame_role.hpp>

using namespace tumen;
using namespace tumen::probe;
using namespace tumen::probe::engine;

TEST_CASE("own probes and replies, from our address or another") {
    const ipv4_addr ours{127, 0, 0, 1};
    const ipv4_addr other{198, 18, 48, 1};
    struct row {
        const char* what;
        ipv4_addr from;
        bool probe_shaped;
        link_direction dir;
        frame_role role;
    };
    const row rows[] = {
        {"our probe, no direction", ours, true, link_direction::unknown, frame_role::own_probe},
        {"our probe, outgoing", ours, true, link_direction::outgoing, frame_role::own_probe},
        {"our probe seen coming in on lo", ours, true, link_direction::incoming,
         frame_role::own_probe},
        {"reply from our own address (ping 127.0.0.1)", ours, false, link_direction::unknown,
         frame_role::reply},
        {"reply from our own address, incoming copy", ours, false, link_direction::incoming,
         frame_role::reply},
        {"reply from our own address, outgoing copy on \"any\"", ours, false,
         link_direction::outgoing, frame_role::own_probe},
        {"reply from a router", other, false, link_direction::unknown, frame_role::reply},
        {"reply from a router, incoming", other, false, link_direction::incoming,
         frame_role::reply},
        {"someone else's probe to us", other, true, link_direction::incoming, frame_role::reply},
    };
    for (const auto& r : rows) {
        CAPTURE(r.what);
        const codec::ipv4_peek head{r.from, 0x1234, r.probe_shaped};
        CHECK(role_of_frame(head, r.dir, ours) == r.role);
    }
}
