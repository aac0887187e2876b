#pragma once
// A byte-rate limiter for the network thread: one per torrent and direction, plus a global one.
//
// Debt model: a peer connection moves whole chunks (a 16 KiB block, or whatever one socket read
// returned) and must not split them, so consume() always succeeds and may leave the balance
// negative; the caller then waits delay() before moving the next chunk. Over time the bytes
// moved follow the rate exactly, whatever the chunk sizes; a single chunk may overshoot by its
// own size, which is paid back by waiting.
//
// The balance refills at rate() bytes per second up to a burst cap of max(rate / 4, kMinBurst).
// The cap is small so that a connection that sat idle cannot then blast far above the limit (at
// most a quarter second's worth of extra bytes), and at least one 16 KiB block so that the
// slowest limit still lets a whole block through without waiting when the bucket is full. A new
// limited bucket (or one switching from unlimited to limited) starts full.
//
// Arithmetic is exact: the balance is whole bytes plus a remainder in billionths of a byte, so
// refilling in many small steps gains exactly as much as one big step, and delay() rounds up so
// that after waiting exactly delay() the balance is >= 0. Only 64-bit integers are used, split
// so that nothing overflows for rates up to kMaxRate and any time gap.
//
// Time is a parameter (core/ reads no clocks). Time that goes backwards is treated as the latest
// time seen, so a misordered call neither refills nor drains anything.

#include <chrono>
#include <cstdint>

namespace lt {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // The smallest burst cap: one 16 KiB block.
  static constexpr std::int64_t kMinBurst = 16 * 1024;
  // Faster rates are clamped to this (1 TiB/s, far beyond any link); it bounds the arithmetic.
  static constexpr std::int64_t kMaxRate = std::int64_t{1} << 40;
  // delay() never returns more than this (a year).
  static constexpr std::chrono::hours kMaxDelay{24 * 365};

  TokenBucket() = default;  // unlimited

  // Bytes per second; <= 0 means unlimited. Changing between two limits keeps the current
  // balance, debt included (capped to the new burst), after refilling at the old rate up to
  // `now`; going from unlimited to limited starts full.
  void set_rate(std::int64_t bytes_per_second, Clock::time_point now);
  [[nodiscard]] std::int64_t rate() const noexcept { return rate_; }  // 0 when unlimited
  [[nodiscard]] bool unlimited() const noexcept { return rate_ == 0; }
  // The burst cap in bytes; 0 when unlimited.
  [[nodiscard]] std::int64_t burst() const noexcept { return burst_; }

  // Records that `bytes` were sent/received now. Always succeeds; the balance may go negative
  // (debt). Negative byte counts are ignored. Does nothing when unlimited.
  void consume(std::int64_t bytes, Clock::time_point now);

  // How long the caller must wait before the balance is >= 0 again (zero when it already is,
  // or when unlimited). Rounded up to whole clock ticks; saturates at kMaxDelay so that a
  // nonsensical debt (a huge consume at 1 B/s) still gives a time the caller can add to `now`.
  [[nodiscard]] Clock::duration delay(Clock::time_point now) const;

 private:
  // Adds what the rate earned between last_ and `now`, up to the burst cap.
  void refill(Clock::time_point now);

  std::int64_t rate_ = 0;  // bytes per second, 0 = unlimited
  std::int64_t burst_ = 0;
  std::int64_t balance_ = 0;    // whole bytes; negative = debt
  std::int64_t remainder_ = 0;  // billionths of a byte on top of balance_, in [0, 1e9)
  Clock::time_point last_{};    // the latest time seen; balance_ is as of then
};

// The longer of two buckets' delays: a peer is limited both by its torrent's bucket and by the
// global one, and may move its next chunk only when both allow it.
[[nodiscard]] TokenBucket::Clock::duration combined_delay(const TokenBucket& a,
                                                          const TokenBucket& b,
                                                          TokenBucket::Clock::time_point now);

}  // namespace lt
