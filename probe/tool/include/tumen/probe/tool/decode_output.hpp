#pragma once
/// @file
/// `tumen-probe decode`: reads a capture file with libpcap and prints each ICMP reply (or each
/// undecodable frame) as a text line or one JSON object per line (docs/probe.md "decode").
#include <cstdio>
#include <optional>
#include <string>

#include <tumen/probe/capture/capture_decode.hpp>

namespace tumen::probe::tool {

/// One NDJSON line (with its newline) for a reply:
/// {"frame":N,"time":"YYYY-MM-DDTHH:MM:SS.uuuuuuZ","family":4|6,"src":"...","icmp_type":T,
/// "icmp_code":C,"quoted":{"dst":"...","proto":P,"sport":S,"dport":D,"ttl":Q,"ip_id":I}|null,
/// "mpls":[{"label":L,"exp":E,"s":0|1,"ttl":T}],"probe_ttl":N|null,"rtt_ms":X|null}
/// (ICMP probes quote "icmp_id"/"icmp_seq" instead of ports; IPv6 quotes have "ip_id":null;
/// echo replies have "quoted":null and "echo":{"icmp_id":I,"icmp_seq":S}; a reply whose
/// extension was unusable has "warning":"..."), or for an error {"frame":N,"error":"..."}.
std::string decode_json_line(const capture::capture_event& e);

/// One human-readable line (with its newline) for a reply or an error.
std::string decode_text_line(const capture::capture_event& e);

/// What decode_file() saw.
struct decode_summary {
    std::uint64_t frames = 0;
    std::uint64_t replies = 0;
    std::uint64_t errors = 0;
};

/// Reads the capture at `path` (pcap or pcapng, through pcap_open_offline) and writes one line
/// per reply or error to `out` (`json`: NDJSON, else text). nullopt with `error` set when the
/// file cannot be opened or its link type is not supported.
std::optional<decode_summary> decode_file(const std::string& path, bool json, std::FILE* out,
                                          std::string& error);

} // namespace tumen::probe::tool
