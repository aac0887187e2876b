#pragma once
// SHA-1 over OpenSSL's EVP interface: an owned, movable hasher and a one-call digest.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lt {

// A 20-byte SHA-1 digest: piece hashes and v1 info-hashes.
struct Sha1Digest {
  std::array<std::uint8_t, 20> bytes{};

  [[nodiscard]] std::string hex() const;
  // Parses 40 hex characters; nullopt otherwise.
  [[nodiscard]] static std::optional<Sha1Digest> from_hex(std::string_view text);
  // Takes exactly 20 raw bytes; nullopt otherwise.
  [[nodiscard]] static std::optional<Sha1Digest> from_bytes(std::string_view raw);
  [[nodiscard]] std::string_view view() const noexcept {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  friend auto operator<=>(const Sha1Digest&, const Sha1Digest&) = default;
};

// The v1 info-hash: SHA-1 of the original bytes of the info dictionary.
using InfoHash = Sha1Digest;

// Incremental SHA-1. Not copyable (owns an EVP context); movable.
class Sha1 {
 public:
  Sha1();
  ~Sha1();
  Sha1(Sha1&& other) noexcept;
  Sha1& operator=(Sha1&& other) noexcept;
  Sha1(const Sha1&) = delete;
  Sha1& operator=(const Sha1&) = delete;

  void update(std::span<const std::uint8_t> data);
  void update(std::string_view data);
  // Returns the digest and resets the hasher for reuse.
  [[nodiscard]] Sha1Digest finish();

  // One call: the digest of data.
  [[nodiscard]] static Sha1Digest digest(std::string_view data);

 private:
  struct Context;
  Context* ctx_;
};

}  // namespace lt
