// libFuzzer target: the tracker's query codec. The input is split on '&' and the first '=' of
// each part into raw key/value pairs (no percent-decoding: core receives decoded bytes, so any
// byte may appear), then parsed as an announce and as a scrape. Neither may crash, and whatever
// they accept must respect the documented bounds; the answers built from it must decode as
// bencode and say what was put in. Every value is also tried as an IP address, which must
// survive format -> parse unchanged.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/bencode.hpp"
#include "core/tracker_protocol.hpp"

namespace {

using namespace lt::tracker;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "tracker query invariant broken: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

QueryParams split(std::string_view input) {
  QueryParams params;
  while (true) {
    const std::size_t amp = input.find('&');
    const std::string_view part = input.substr(0, amp);
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      params.emplace_back(std::string(part), std::string());
    } else {
      params.emplace_back(std::string(part.substr(0, eq)), std::string(part.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    input.remove_prefix(amp + 1);
  }
  return params;
}

const std::string* first_value(const QueryParams& params, std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return &v;
  }
  return nullptr;
}

lt::bencode::Document decode_or_die(const std::string& encoded) {
  try {
    lt::bencode::Document doc = lt::bencode::decode(encoded);
    check(doc.warnings.empty(), "encoder wrote unsorted or duplicate keys");
    check(doc.root.is_dict(), "answer is not a dict");
    return doc;
  } catch (const lt::bencode::DecodeError&) {
    fail("encoder output does not decode");
  }
}

void check_announce(const QueryParams& params, const AnnounceRequest& req) {
  check(req.port >= 1, "port 0 accepted");
  check(req.numwant >= 0 && req.numwant <= kMaxNumwant, "numwant out of 0..200");
  check(req.uploaded >= 0 && req.downloaded >= 0 && req.left >= 0, "negative counter");
  const std::string* hash = first_value(params, "info_hash");
  check(hash != nullptr && req.info_hash.view() == *hash, "info_hash is not the first value");
  const std::string* peer_id = first_value(params, "peer_id");
  check(peer_id != nullptr &&
            std::string_view(reinterpret_cast<const char*>(req.peer_id.data()), 20) == *peer_id,
        "peer_id is not the first value");
  const std::string* port = first_value(params, "port");
  check(port != nullptr && std::to_string(req.port) ==
                               port->substr(std::min(port->find_first_not_of('0'), port->size())),
        "port does not match its text");

  AnnounceResponse response;
  response.complete = req.left;
  response.incomplete = req.uploaded;
  response.downloaded = req.downloaded;
  response.interval = req.numwant;
  response.peers.push_back({IpAddress::v4(127, 0, 0, 1), req.port, req.peer_id});
  response.peers.push_back({*parse_ip("2001:db8::7"), 6881, req.peer_id});
  std::size_t v4 = 1;
  std::size_t v6 = 1;
  if (req.ip) {
    if (const auto ip = parse_ip(*req.ip)) {
      response.peers.push_back({*ip, req.port, req.peer_id});
      (ip->v6 ? v6 : v4) += 1;
    }
  }

  const std::string compact = encode_announce(response, true, req.no_peer_id);
  const auto doc = decode_or_die(compact);
  const auto* peers = doc.root.find_string("peers");
  const auto* peers6 = doc.root.find_string("peers6");
  check(peers != nullptr && peers->as_string().size() == 6 * v4, "compact peers size");
  check(peers6 != nullptr && peers6->as_string().size() == 18 * v6, "compact peers6 size");
  check(doc.root.find_int("complete")->as_int() == req.left, "complete counter");
  check(doc.root.find_int("interval")->as_int() == req.numwant, "interval");

  const std::string dict = encode_announce(response, false, req.no_peer_id);
  const auto dict_doc = decode_or_die(dict);
  const auto* list = dict_doc.root.find_list("peers");
  check(list != nullptr && list->as_list().size() == response.peers.size(), "dict peer count");
  for (std::size_t i = 0; i < response.peers.size(); ++i) {
    const auto& entry = list->as_list()[i];
    check(entry.find_int("port")->as_int() == response.peers[i].port, "dict port");
    check((entry.find("peer id") == nullptr) == req.no_peer_id, "dict peer id presence");
    const auto parsed = parse_ip(entry.find_string("ip")->as_string());
    check(parsed && *parsed == response.peers[i].address, "dict ip text does not parse back");
  }
}

void check_scrape(const QueryParams& params, const ScrapeRequest& req) {
  check(req.info_hashes.size() <= kMaxScrapeHashes, "scrape over the cap");
  std::vector<ScrapeEntry> entries;
  for (std::size_t i = 0; i < req.info_hashes.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      check(req.info_hashes[i] != req.info_hashes[j], "duplicate scrape hash");
    }
    entries.push_back({req.info_hashes[i], 1, 2, 3, i % 2 == 0 ? "name" : ""});
  }
  std::size_t hash_params = 0;
  for (const auto& [k, v] : params)
    hash_params += k == "info_hash" ? 1 : 0;
  check(req.info_hashes.size() <= hash_params, "more hashes than info_hash params");
  check(req.full_scrape() == (hash_params == 0), "full scrape flag");

  const std::string encoded = encode_scrape(entries);
  const auto doc = decode_or_die(encoded);
  const auto* files = doc.root.find_dict("files");
  check(files != nullptr && files->as_dict().size() == entries.size(), "scrape files count");
}

void check_ip(std::string_view text) {
  const auto ip = parse_ip(text);
  if (!ip) return;
  const std::string formatted = format_ip(*ip);
  const auto again = parse_ip(formatted);
  check(again && *again == *ip, "ip format -> parse changed the address");
  check(format_ip(*again) == formatted, "ip formatting is not canonical");
  check(formatted.size() <= 45, "ip text too long");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const QueryParams params = split(input);

  const auto announce = parse_announce(params);
  if (announce) {
    check_announce(params, announce.value());
  } else {
    check(!announce.error().reason.empty(), "empty announce failure reason");
    const std::string encoded = encode_failure(announce.error().reason);
    const auto doc = decode_or_die(encoded);
    check(doc.root.find_string("failure reason")->as_string() == announce.error().reason,
          "failure reason round trip");
  }

  const auto scrape = parse_scrape(params);
  if (scrape) {
    check_scrape(params, scrape.value());
  } else {
    check(!scrape.error().reason.empty(), "empty scrape failure reason");
  }

  for (const auto& [k, v] : params)
    check_ip(v);
  return 0;
}
