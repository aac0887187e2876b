#include "core/sha1.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "core/hex.hpp"

namespace lt {
namespace {

// OpenSSL 3 resolves the algorithm implementation on each EVP_get_digestbyname / EVP_sha1 use;
// fetching it once keeps per-piece hashing free of that lookup.
const EVP_MD* sha1_algorithm() {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  static EVP_MD* const kMd = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  return kMd;
#else
  return EVP_sha1();
#endif
}

}  // namespace

struct Sha1::Context {
  EVP_MD_CTX* md = nullptr;
};

std::string Sha1Digest::hex() const {
  return to_hex(bytes);
}

std::optional<Sha1Digest> Sha1Digest::from_hex(std::string_view text) {
  if (text.size() != 40) return std::nullopt;
  auto raw = lt::from_hex(text);
  if (!raw) return std::nullopt;
  Sha1Digest d;
  std::copy(raw->begin(), raw->end(), d.bytes.begin());
  return d;
}

std::optional<Sha1Digest> Sha1Digest::from_bytes(std::string_view raw) {
  if (raw.size() != 20) return std::nullopt;
  Sha1Digest d;
  std::copy(raw.begin(), raw.end(), d.bytes.begin());
  return d;
}

Sha1::Sha1() : ctx_(new Context) {
  ctx_->md = EVP_MD_CTX_new();
  if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, sha1_algorithm(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_->md);
    delete ctx_;
    throw std::runtime_error("OpenSSL SHA-1 is unavailable");
  }
}

Sha1::~Sha1() {
  if (ctx_ != nullptr) {
    EVP_MD_CTX_free(ctx_->md);
    delete ctx_;
  }
}

Sha1::Sha1(Sha1&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}

Sha1& Sha1::operator=(Sha1&& other) noexcept {
  std::swap(ctx_, other.ctx_);
  return *this;
}

void Sha1::update(std::span<const std::uint8_t> data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_->md, data.data(), data.size());
}

void Sha1::update(std::string_view data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_->md, data.data(), data.size());
}

Sha1Digest Sha1::finish() {
  Sha1Digest d;
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md, d.bytes.data(), &len);
  EVP_DigestInit_ex(ctx_->md, sha1_algorithm(), nullptr);
  return d;
}

Sha1Digest Sha1::digest(std::string_view data) {
  Sha1 h;
  h.update(data);
  return h.finish();
}

}  // namespace lt
