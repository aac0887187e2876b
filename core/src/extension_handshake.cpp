#include "core/extension_handshake.hpp"

#include <algorithm>

#include "core/bencode.hpp"
#include "core/utf8.hpp"

namespace lt::wire {
namespace {

// Enough for any real handshake (a dozen keys, a dozen extensions), small enough that a hostile
// one costs microseconds.
constexpr bencode::Limits kLimits{8, 1000};

// The client name as UTF-8 without control characters, at most kMaxClientNameLength bytes,
// cut only between characters.
std::string clean_client_name(std::string_view raw) {
  std::string out;
  for (std::size_t pos = 0; pos < raw.size();) {
    const Utf8Char c = decode_utf8(raw, pos);
    const bool keep = c.valid && !is_control(c.code_point);
    const std::size_t size = keep ? c.length : 1;
    if (out.size() + size > kMaxClientNameLength) break;
    if (keep) {
      out.append(raw.substr(pos, c.length));
    } else {
      out.push_back('_');
    }
    pos += c.length;
  }
  return out;
}

void read_extensions(const bencode::Node& m, ExtensionHandshake& out) {
  for (const bencode::DictEntry& entry : m.as_dict()) {
    if (out.extensions.size() == kMaxExtensions) break;
    if (!entry.value.is_int()) continue;
    const std::int64_t id = entry.value.as_int();
    if (id < 0 || id > 255) continue;
    const bool seen = std::any_of(out.extensions.begin(), out.extensions.end(),
                                  [&](const auto& e) { return e.first == entry.key; });
    if (!seen) out.extensions.emplace_back(std::string(entry.key), static_cast<int>(id));
  }
}

}  // namespace

int ExtensionHandshake::extension_id(std::string_view name) const {
  for (const auto& [extension, id] : extensions) {
    if (extension == name) return id;
  }
  return 0;
}

std::string encode_extension_handshake(const ExtensionHandshake& handshake) {
  bencode::Value root = bencode::Value::dict();
  // BEP 10 makes `m` the one required key: always sent, even empty, since some clients
  // treat a handshake without it as malformed.
  bencode::Value::DictType m;
  for (const auto& [extension, id] : handshake.extensions)
    m.emplace(extension, id);
  root["m"] = std::move(m);
  if (handshake.listen_port) root["p"] = int{*handshake.listen_port};
  if (!handshake.client.empty()) root["v"] = handshake.client;
  if (handshake.reqq) root["reqq"] = *handshake.reqq;
  if (handshake.metadata_size) root["metadata_size"] = *handshake.metadata_size;
  if (!handshake.your_ip.empty()) root["yourip"] = handshake.your_ip;
  return root.encode();
}

ParseResult<ExtensionHandshake> decode_extension_handshake(std::span<const std::uint8_t> payload) {
  const std::string_view input(reinterpret_cast<const char*>(payload.data()), payload.size());
  bencode::Document doc;
  try {
    doc = bencode::decode(input, kLimits);
  } catch (const bencode::DecodeError& e) {
    return ParseError{"extension handshake: invalid bencode at byte " + std::to_string(e.offset()) +
                      ": " + e.reason()};
  }
  const bencode::Node& root = doc.root;
  if (!root.is_dict()) return ParseError{"extension handshake: not a dictionary"};

  ExtensionHandshake out;
  if (const bencode::Node* m = root.find("m")) {
    if (!m->is_dict()) return ParseError{"extension handshake: \"m\" is not a dictionary"};
    read_extensions(*m, out);
  }
  if (const bencode::Node* p = root.find_int("p")) {
    if (p->as_int() >= 1 && p->as_int() <= 65535) {
      out.listen_port = static_cast<std::uint16_t>(p->as_int());
    }
  }
  if (const bencode::Node* v = root.find_string("v"))
    out.client = clean_client_name(v->as_string());
  if (const bencode::Node* reqq = root.find_int("reqq")) {
    if (reqq->as_int() > 0) {
      out.reqq = static_cast<std::int32_t>(std::min<std::int64_t>(reqq->as_int(), kMaxReqq));
    }
  }
  if (const bencode::Node* size = root.find("metadata_size")) {
    if (!size->is_int() || size->as_int() < 1 || size->as_int() > kMaxMetadataSize) {
      return ParseError{"invalid metadata_size"};
    }
    out.metadata_size = size->as_int();
  }
  if (const bencode::Node* ip = root.find_string("yourip")) {
    if (ip->as_string().size() == 4 || ip->as_string().size() == 16) {
      out.your_ip = std::string(ip->as_string());
    }
  }
  return out;
}

}  // namespace lt::wire
