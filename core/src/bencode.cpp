#include "core/bencode.hpp"

#include <charconv>
#include <limits>

namespace lt::bencode {

DecodeError::DecodeError(std::size_t offset, const std::string& reason)
    : std::runtime_error("bencode error at byte " + std::to_string(offset) + ": " + reason),
      offset_(offset),
      reason_(reason) {}

namespace {

// Recursive descent over the input. Recursion depth is bounded by Limits::max_depth, so the
// stack use is bounded whatever the input.
class Decoder {
 public:
  Decoder(std::string_view input, const Limits& limits, std::vector<Warning>& warnings)
      : in_(input), limits_(limits), warnings_(warnings) {}

  Node value(int depth) {
    if (pos_ >= in_.size()) fail("unexpected end of input, expected a value");
    if (++items_ > limits_.max_items) {
      fail("more than " + std::to_string(limits_.max_items) + " items");
    }
    const char c = in_[pos_];
    if (c == 'i') return integer();
    if (c >= '0' && c <= '9') {
      const std::size_t start = pos_;
      const std::string_view s = string();
      return Node(s, in_.substr(start, pos_ - start));
    }
    if (c == 'l' || c == 'd') {
      if (depth >= limits_.max_depth) {
        fail("nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
      }
      return c == 'l' ? list(depth + 1) : dict(depth + 1);
    }
    fail(std::string("unexpected character ") + describe(c) + ", expected a value");
  }

  [[nodiscard]] std::size_t position() const noexcept { return pos_; }

 private:
  [[noreturn]] void fail(const std::string& reason) const { throw DecodeError(pos_, reason); }
  [[noreturn]] void fail_at(std::size_t offset, const std::string& reason) const {
    throw DecodeError(offset, reason);
  }

  static std::string describe(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
    static constexpr char kDigits[] = "0123456789abcdef";
    return std::string("0x") + kDigits[u >> 4] + kDigits[u & 0x0f];
  }

  // i<digits>e: no leading zeros, no "-0", no empty digits, within int64.
  Node integer() {
    const std::size_t start = pos_;
    ++pos_;  // 'i'
    const std::size_t end = in_.find('e', pos_);
    if (end == std::string_view::npos) fail_at(start, "unterminated integer");
    const std::string_view digits = in_.substr(pos_, end - pos_);
    const bool negative = !digits.empty() && digits.front() == '-';
    const std::string_view magnitude = negative ? digits.substr(1) : digits;
    if (magnitude.empty()) fail_at(start, "integer without digits");
    for (std::size_t i = 0; i < magnitude.size(); ++i) {
      if (magnitude[i] < '0' || magnitude[i] > '9') {
        fail_at(pos_ + (negative ? 1 : 0) + i, "non-digit in integer");
      }
    }
    if (magnitude.size() > 1 && magnitude.front() == '0') {
      fail_at(start, "integer with a leading zero");
    }
    if (negative && magnitude == "0") fail_at(start, "negative zero");
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      fail_at(start, "integer does not fit in 64 bits");
    }
    pos_ = end + 1;
    return Node(v, in_.substr(start, pos_ - start));
  }

  // <length>:<bytes>, length without leading zeros and within the remaining input.
  std::string_view string() {
    const std::size_t start = pos_;
    std::size_t length = 0;
    std::size_t digits = 0;
    while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') {
      const auto d = static_cast<std::size_t>(in_[pos_] - '0');
      if (length > (std::numeric_limits<std::size_t>::max() - d) / 10) {
        fail_at(start, "string length overflows");
      }
      length = length * 10 + d;
      ++digits;
      ++pos_;
    }
    if (digits > 1 && in_[start] == '0') fail_at(start, "string length with a leading zero");
    if (pos_ >= in_.size()) fail_at(start, "unexpected end of input in string length");
    if (in_[pos_] != ':') fail("expected ':' after string length, got " + describe(in_[pos_]));
    ++pos_;
    if (length > in_.size() - pos_) {
      fail_at(start, "string of " + std::to_string(length) + " bytes runs past the end of input");
    }
    const std::string_view s = in_.substr(pos_, length);
    pos_ += length;
    return s;
  }

  Node list(int depth) {
    const std::size_t start = pos_;
    ++pos_;  // 'l'
    List items;
    for (;;) {
      if (pos_ >= in_.size()) fail_at(start, "unterminated list");
      if (in_[pos_] == 'e') break;
      items.push_back(value(depth));
    }
    ++pos_;
    return Node(std::move(items), in_.substr(start, pos_ - start));
  }

  Node dict(int depth) {
    const std::size_t start = pos_;
    ++pos_;  // 'd'
    Dict entries;
    bool warned_order = false;
    for (;;) {
      if (pos_ >= in_.size()) fail_at(start, "unterminated dictionary");
      if (in_[pos_] == 'e') break;
      if (in_[pos_] < '0' || in_[pos_] > '9') {
        fail("dictionary key must be a string, got " + describe(in_[pos_]));
      }
      const std::size_t key_offset = pos_;
      const std::string_view key = string();
      if (!entries.empty() && !warned_order) {
        const std::string_view previous = entries.back().key;
        if (key == previous) {
          warnings_.push_back({key_offset, "duplicate dictionary key \"" + printable(key) + "\""});
          warned_order = true;
        } else if (key < previous) {
          warnings_.push_back({key_offset, "dictionary keys not sorted (\"" + printable(key) +
                                               "\" after \"" + printable(previous) + "\")"});
          warned_order = true;
        }
      }
      if (pos_ >= in_.size()) fail_at(start, "dictionary key without a value");
      if (in_[pos_] == 'e') fail("dictionary key \"" + printable(key) + "\" without a value");
      entries.push_back({key, value(depth)});
    }
    ++pos_;
    return Node(std::move(entries), in_.substr(start, pos_ - start));
  }

  static std::string printable(std::string_view s) {
    std::string out;
    for (const char c : s.substr(0, 64)) {
      const auto u = static_cast<unsigned char>(c);
      out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
    }
    return out;
  }

  std::string_view in_;
  const Limits& limits_;
  std::vector<Warning>& warnings_;
  std::size_t pos_ = 0;
  std::size_t items_ = 0;
};

void encode_string(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out.push_back(':');
  out.append(s);
}

void encode_node(const Node& node, std::string& out) {
  switch (node.type()) {
    case Node::Type::integer:
      out.push_back('i');
      out += std::to_string(node.as_int());
      out.push_back('e');
      break;
    case Node::Type::string:
      encode_string(out, node.as_string());
      break;
    case Node::Type::list:
      out.push_back('l');
      for (const Node& item : node.as_list())
        encode_node(item, out);
      out.push_back('e');
      break;
    case Node::Type::dict:
      out.push_back('d');
      for (const DictEntry& e : node.as_dict()) {
        encode_string(out, e.key);
        encode_node(e.value, out);
      }
      out.push_back('e');
      break;
  }
}

}  // namespace

Document decode_prefix(std::string_view input, std::size_t& consumed, const Limits& limits) {
  Document doc;
  Decoder decoder(input, limits, doc.warnings);
  doc.root = decoder.value(0);
  consumed = decoder.position();
  return doc;
}

Document decode(std::string_view input, const Limits& limits) {
  std::size_t consumed = 0;
  Document doc = decode_prefix(input, consumed, limits);
  if (consumed != input.size()) {
    throw DecodeError(consumed, std::to_string(input.size() - consumed) +
                                    " bytes of trailing data after the value");
  }
  return doc;
}

Node::Node(std::int64_t v, std::string_view raw) : value_(v), raw_(raw) {}
Node::Node(std::string_view v, std::string_view raw) : value_(v), raw_(raw) {}
Node::Node(List v, std::string_view raw) : value_(std::move(v)), raw_(raw) {}
Node::Node(Dict v, std::string_view raw) : value_(std::move(v)), raw_(raw) {}

const Node* Node::find(std::string_view key) const {
  if (!is_dict()) return nullptr;
  for (const DictEntry& e : as_dict()) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

const Node* Node::find_int(std::string_view key) const {
  const Node* n = find(key);
  return n != nullptr && n->is_int() ? n : nullptr;
}

const Node* Node::find_string(std::string_view key) const {
  const Node* n = find(key);
  return n != nullptr && n->is_string() ? n : nullptr;
}

const Node* Node::find_list(std::string_view key) const {
  const Node* n = find(key);
  return n != nullptr && n->is_list() ? n : nullptr;
}

const Node* Node::find_dict(std::string_view key) const {
  const Node* n = find(key);
  return n != nullptr && n->is_dict() ? n : nullptr;
}

std::string encode(const Node& node) {
  std::string out;
  out.reserve(node.raw().size());
  encode_node(node, out);
  return out;
}

Value& Value::operator[](std::string_view key) {
  auto& d = std::get<DictType>(value_);
  auto it = d.find(key);
  if (it == d.end()) it = d.emplace(std::string(key), Value()).first;
  return it->second;
}

void Value::push_back(Value v) {
  std::get<ListType>(value_).push_back(std::move(v));
}

std::string Value::encode() const {
  std::string out;
  encode_to(out);
  return out;
}

void Value::encode_to(std::string& out) const {
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Integer>) {
          out.push_back('i');
          out += std::to_string(v);
          out.push_back('e');
        } else if constexpr (std::is_same_v<T, String>) {
          encode_string(out, v);
        } else if constexpr (std::is_same_v<T, ListType>) {
          out.push_back('l');
          for (const Value& item : v)
            item.encode_to(out);
          out.push_back('e');
        } else {
          out.push_back('d');
          for (const auto& [key, item] : v) {
            encode_string(out, key);
            item.encode_to(out);
          }
          out.push_back('e');
        }
      },
      value_);
}

}  // namespace lt::bencode
