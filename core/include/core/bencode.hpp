#pragma once
// Bencode (BEP 3): a strict, zero-copy decoder and an owning value type that encodes
// canonically.
//
// Decoding never copies string data: every string and every node's raw span are views into the
// caller's buffer, which must outlive the Document. The raw span is what makes info-hashes
// correct for real-world torrents: it is always taken over the original bytes of the `info`
// dictionary, never over a re-encoding.
//
// Strictness: integers without leading zeros or "-0", within int64; string lengths that fit
// the input; string keys; nothing after the top-level value. Unsorted or duplicate dictionary
// keys are accepted with a warning (real torrents have them); the first of duplicate keys wins
// on lookup. A depth limit and an item-count limit bound the work any input can cause.

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lt::bencode {

struct Limits {
  int max_depth = 100;                // lists/dicts nested deeper are an error
  std::size_t max_items = 4'000'000;  // total values (ints, strings, lists, dicts) in a document
};

// Thrown for malformed input: where (byte offset into the input) and why.
class DecodeError : public std::runtime_error {
 public:
  DecodeError(std::size_t offset, const std::string& reason);
  [[nodiscard]] std::size_t offset() const noexcept { return offset_; }
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

 private:
  std::size_t offset_;
  std::string reason_;
};

struct Warning {
  std::size_t offset;
  std::string message;
};

class Node;

struct DictEntry;
using List = std::vector<Node>;
using Dict = std::vector<DictEntry>;

// One decoded value, viewing the input buffer.
class Node {
 public:
  enum class Type : std::uint8_t { integer, string, list, dict };

  Node() = default;
  // Defined out of line: DictEntry is still incomplete here, and building the variant needs it.
  Node(std::int64_t v, std::string_view raw);
  Node(std::string_view v, std::string_view raw);
  Node(List v, std::string_view raw);
  Node(Dict v, std::string_view raw);

  [[nodiscard]] Type type() const noexcept { return static_cast<Type>(value_.index()); }
  [[nodiscard]] bool is_int() const noexcept { return type() == Type::integer; }
  [[nodiscard]] bool is_string() const noexcept { return type() == Type::string; }
  [[nodiscard]] bool is_list() const noexcept { return type() == Type::list; }
  [[nodiscard]] bool is_dict() const noexcept { return type() == Type::dict; }

  // Accessors require the matching type (check with is_*() first).
  [[nodiscard]] std::int64_t as_int() const { return std::get<std::int64_t>(value_); }
  [[nodiscard]] std::string_view as_string() const { return std::get<std::string_view>(value_); }
  [[nodiscard]] const List& as_list() const { return std::get<List>(value_); }
  [[nodiscard]] const Dict& as_dict() const { return std::get<Dict>(value_); }

  // Dictionary lookup (first match); nullptr if this is not a dict or the key is absent.
  [[nodiscard]] const Node* find(std::string_view key) const;
  // Typed lookups: nullptr/nullopt-like defaults when absent or of another type.
  [[nodiscard]] const Node* find_int(std::string_view key) const;
  [[nodiscard]] const Node* find_string(std::string_view key) const;
  [[nodiscard]] const Node* find_list(std::string_view key) const;
  [[nodiscard]] const Node* find_dict(std::string_view key) const;

  // The exact input bytes this value was decoded from.
  [[nodiscard]] std::string_view raw() const noexcept { return raw_; }

 private:
  std::variant<std::int64_t, std::string_view, List, Dict> value_;
  std::string_view raw_;
};

struct DictEntry {
  std::string_view key;
  Node value;
};

struct Document {
  Node root;
  std::vector<Warning> warnings;
};

// Decodes exactly one value spanning the whole input. Throws DecodeError.
[[nodiscard]] Document decode(std::string_view input, const Limits& limits = {});

// Decodes one value at the start of input and reports how many bytes it used (for protocols
// that append data after a bencoded header, like ut_metadata). Throws DecodeError.
[[nodiscard]] Document decode_prefix(std::string_view input, std::size_t& consumed,
                                     const Limits& limits = {});

// Re-encodes a decoded node in its stored key order (byte-identical to canonical input).
[[nodiscard]] std::string encode(const Node& node);

// An owning value for building documents; dictionaries keep keys sorted as BEP 3 requires.
class Value {
 public:
  using Integer = std::int64_t;
  using String = std::string;
  using ListType = std::vector<Value>;
  using DictType = std::map<std::string, Value, std::less<>>;

  Value() : value_(DictType{}) {}
  Value(Integer v) : value_(v) {}                    // NOLINT(google-explicit-constructor)
  Value(int v) : value_(static_cast<Integer>(v)) {}  // NOLINT(google-explicit-constructor)
  Value(String v) : value_(std::move(v)) {}          // NOLINT(google-explicit-constructor)
  Value(std::string_view v) : value_(String(v)) {}   // NOLINT(google-explicit-constructor)
  Value(const char* v) : value_(String(v)) {}        // NOLINT(google-explicit-constructor)
  Value(ListType v) : value_(std::move(v)) {}        // NOLINT(google-explicit-constructor)
  Value(DictType v) : value_(std::move(v)) {}        // NOLINT(google-explicit-constructor)

  [[nodiscard]] static Value list() { return Value(ListType{}); }
  [[nodiscard]] static Value dict() { return Value(DictType{}); }

  // Dict element (created if absent); the value must be a dict.
  Value& operator[](std::string_view key);
  // Appends to a list; the value must be a list.
  void push_back(Value v);

  [[nodiscard]] const auto& variant() const noexcept { return value_; }

  // Canonical encoding (sorted keys).
  [[nodiscard]] std::string encode() const;
  void encode_to(std::string& out) const;

 private:
  std::variant<Integer, String, ListType, DictType> value_;
};

}  // namespace lt::bencode
