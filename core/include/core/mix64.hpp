#pragma once
// Small integer hashing and randomness shared by the piece picker, the choker and the swarm
// registry: splitmix64 (a tiny PRNG whose output is identical on every platform, unlike the
// std:: distributions) and its finaliser mix64 (a bijection with full avalanche, the building
// block of keyed hashes and tie-breaks), plus unaligned little loads.

#include <cstdint>
#include <cstring>

namespace lt {

[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Advances `state` and returns the next random word.
[[nodiscard]] constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  state += 0x9e3779b97f4a7c15ULL;
  return mix64(state);
}

[[nodiscard]] inline std::uint64_t load64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

[[nodiscard]] inline std::uint32_t load32(const std::uint8_t* p) noexcept {
  std::uint32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace lt
