#pragma once
// A parsed value or the reason it could not be parsed. Expected bad input (a hostile tracker
// request, a malformed peer message) is not exceptional: parsers return this, and the reason is
// the short, stable text that ends up in a log line or a bencoded `failure reason`.

#include <string>
#include <utility>
#include <variant>

namespace lt {

// Why input was refused.
struct ParseError {
  std::string reason;
  friend bool operator==(const ParseError&, const ParseError&) = default;
};

// A parsed value or the reason it could not be parsed; expected bad input is not exceptional.
template <typename T>
class ParseResult {
 public:
  ParseResult(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  ParseResult(ParseError error)
      : value_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return value_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // Require ok() / !ok() respectively (std::bad_variant_access otherwise).
  [[nodiscard]] T& value() & { return std::get<0>(value_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(value_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(value_)); }
  [[nodiscard]] const ParseError& error() const { return std::get<1>(value_); }

  [[nodiscard]] T* operator->() { return &value(); }
  [[nodiscard]] const T* operator->() const { return &value(); }

 private:
  std::variant<T, ParseError> value_;
};

}  // namespace lt
