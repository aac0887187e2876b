#include "core/token_bucket.hpp"

#include <algorithm>

namespace lt {
namespace {

using std::chrono::nanoseconds;

constexpr std::int64_t kNano = 1'000'000'000;

// The deepest debt kept. Bounding it keeps burst - balance (and so every product below) within
// 64 bits; a debt this deep already means waiting longer than kMaxDelay at any rate.
constexpr std::int64_t kMinBalance = -(std::int64_t{1} << 62);

// A duration split into whole seconds and nanoseconds in [0, 1e9), so that it can be multiplied
// by a rate piecewise without overflowing.
struct Split {
  std::int64_t seconds = 0;
  std::int64_t nanos = 0;
};

bool operator<(const Split& a, const Split& b) noexcept {
  return a.seconds != b.seconds ? a.seconds < b.seconds : a.nanos < b.nanos;
}

Split split(nanoseconds d) noexcept {
  return {d.count() / kNano, d.count() % kNano};  // d >= 0
}

// The shortest time after which a balance of `remainder` billionths of a byte, refilled at
// `rate` bytes per second, has gained `bytes` more whole bytes: the least t (in ns) with
// rate * t + remainder >= bytes * 1e9. Requires bytes >= 1, 1 <= rate <= kMaxRate and
// 0 <= remainder < 1e9.
Split time_to_earn(std::int64_t bytes, std::int64_t remainder, std::int64_t rate) noexcept {
  // Whole seconds earn whole multiples of the rate; what is left, `rest` < rate bytes, takes
  // under a second.
  Split t{bytes / rate, 0};
  const std::int64_t rest = bytes % rate;
  // rest * 1e9 = q * rate + r, by long division three decimal digits at a time, because
  // rest * 1e9 itself overflows for rates above ~9 GB/s while r * 1000 < kMaxRate * 1000 does not.
  std::int64_t q = 0;
  std::int64_t r = rest;
  for (int i = 0; i < 3; ++i) {
    r *= 1000;
    q = q * 1000 + r / rate;
    r %= rate;
  }
  // t.nanos = ceil((rest * 1e9 - remainder) / rate) = q + ceil((r - remainder) / rate), and
  // |r - remainder| is below max(rate, 1e9), so the second term is small.
  if (r >= remainder) {
    t.nanos = q + (r > remainder ? 1 : 0);
  } else {
    t.nanos = q - (remainder - r) / rate;
  }
  // q < 1e9 because rest < rate, so one carry either way normalises. A negative value only
  // happens when whole seconds were counted (rest == 0 with a remainder to spare).
  if (t.nanos < 0) {
    t.seconds -= 1;
    t.nanos += kNano;
  } else if (t.nanos >= kNano) {
    t.seconds += 1;
    t.nanos -= kNano;
  }
  return t;
}

std::int64_t burst_for(std::int64_t rate) noexcept {
  return std::max(rate / 4, TokenBucket::kMinBurst);
}

}  // namespace

void TokenBucket::set_rate(std::int64_t bytes_per_second, Clock::time_point now) {
  if (bytes_per_second <= 0) {
    rate_ = 0;
    burst_ = 0;
    balance_ = 0;
    remainder_ = 0;
    last_ = std::max(last_, now);
    return;
  }
  const std::int64_t rate = std::min(bytes_per_second, kMaxRate);
  if (unlimited()) {
    rate_ = rate;
    burst_ = burst_for(rate);
    balance_ = burst_;
    remainder_ = 0;
    last_ = std::max(last_, now);
    return;
  }
  // What was earned so far was earned at the old rate.
  refill(now);
  rate_ = rate;
  burst_ = burst_for(rate);
  if (balance_ >= burst_) {
    balance_ = burst_;
    remainder_ = 0;
  }
}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= last_) return;
  const nanoseconds elapsed = std::chrono::duration_cast<nanoseconds>(now - last_);
  last_ = now;
  if (unlimited() || balance_ >= burst_) return;
  const Split gap = split(elapsed);
  // Checking against the time to fill first means a gap of days never gets multiplied by the
  // rate: below, gap.seconds * rate_ <= burst_ - balance_ + rate_, which fits.
  if (!(gap < time_to_earn(burst_ - balance_, remainder_, rate_))) {
    balance_ = burst_;
    remainder_ = 0;
    return;
  }
  // rate * nanos / 1e9 with rate = whole * 1e9 + part: part * nanos < 1e18 fits.
  const std::int64_t whole = rate_ / kNano;
  const std::int64_t part = rate_ % kNano;
  const std::int64_t fraction = part * gap.nanos + remainder_;
  balance_ += rate_ * gap.seconds + whole * gap.nanos + fraction / kNano;
  remainder_ = fraction % kNano;
}

void TokenBucket::consume(std::int64_t bytes, Clock::time_point now) {
  refill(now);
  if (unlimited() || bytes <= 0) return;
  // balance_ <= burst_, so balance_ - kMinBalance fits.
  balance_ = bytes > balance_ - kMinBalance ? kMinBalance : balance_ - bytes;
}

TokenBucket::Clock::duration TokenBucket::delay(Clock::time_point now) const {
  if (unlimited() || balance_ >= 0) return Clock::duration::zero();
  const Split wait = time_to_earn(-balance_, remainder_, rate_);
  const nanoseconds cap = kMaxDelay;
  if (wait.seconds >= cap.count() / kNano) return std::chrono::ceil<Clock::duration>(cap);
  nanoseconds remaining = nanoseconds(wait.seconds * kNano + wait.nanos);
  if (now > last_) remaining -= std::chrono::duration_cast<nanoseconds>(now - last_);
  if (remaining <= nanoseconds::zero()) return Clock::duration::zero();
  return std::chrono::ceil<Clock::duration>(remaining);
}

TokenBucket::Clock::duration combined_delay(const TokenBucket& a, const TokenBucket& b,
                                            TokenBucket::Clock::time_point now) {
  return std::max(a.delay(now), b.delay(now));
}

}  // namespace lt
