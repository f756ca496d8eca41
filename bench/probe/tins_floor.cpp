// The peak RSS floor of a program that uses Debian's libtins (bench/probe/run.sh prints it
// beside tumen-probe's and scamper's): it builds and serialises one UDP probe and exits.
// Loading libtins brings libcrypto, libpcap (with libdbus and libsystemd) and libstdc++, and
// their pages count in the peak RSS whatever the program does.
#include <cstdio>

#include <tins/ip.h>
#include <tins/udp.h>

int main() {
    Tins::IP ip{"192.0.2.1", "192.0.2.10"};
    ip /= Tins::UDP{33435, 33434};
    const auto bytes = ip.serialize();
    std::printf("%zu bytes\n", bytes.size());
    return 0;
}
