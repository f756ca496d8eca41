#pragma once
// Hop replies for the tests of tumen-probe's output formats.
#include <tumen/common/result.hpp>

namespace tumen::test {

/// A reply from `a` after `rtt` ms.
inline result::hop_reply reply(ipv4_addr a, double rtt) {
    result::hop_reply r;
    r.from = a;
    r.rtt_ms = rtt;
    return r;
}

/// A probe that timed out.
inline result::hop_reply star() {
    result::hop_reply r;
    r.timeout = true;
    return r;
}

} // namespace tumen::test
