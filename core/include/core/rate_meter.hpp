#pragma once
// Bytes per second over a sliding window: the per-peer and per-torrent download and upload rates
// that users see and that the choker and the request pipeline act on.
//
// Bytes land in fixed-width time buckets held in a ring sized once at construction, so add()
// never allocates; a bucket's bytes leave the window at most one window after they were added.
// Buckets are aligned to the meter's start, which is its first add() (an add of 0 bytes starts
// it without data, e.g. at connect time).
//
// Time is a parameter (core/ reads no clocks). Time that goes backwards is treated as the latest
// time seen, so a misordered sample can neither corrupt the ring nor make a rate negative.

#include <chrono>
#include <cstdint>
#include <vector>

namespace lt {

class RateMeter {
 public:
  using Clock = std::chrono::steady_clock;

  // At most this many buckets (window / bucket): a guard against a misconfigured 1 ms bucket.
  static constexpr std::int64_t kMaxBuckets = 4096;

  // The window is rounded down to a whole number of buckets. Throws std::invalid_argument if
  // bucket <= 0, window < bucket or window / bucket > kMaxBuckets.
  explicit RateMeter(std::chrono::milliseconds window = std::chrono::seconds(5),
                     std::chrono::milliseconds bucket = std::chrono::milliseconds(250));

  // Records bytes transferred at `now`. Negative byte counts are ignored (the time still counts).
  void add(std::int64_t bytes, Clock::time_point now);

  // Bytes per second over the window ending at `now`. Until a whole window has passed since the
  // start, this divides by the time elapsed since the start (at least one bucket) instead of the
  // window, so a fresh fast peer is not under-rated by window/elapsed. 0 before the first add().
  [[nodiscard]] double rate(Clock::time_point now) const;

  // Every byte ever added.
  [[nodiscard]] std::int64_t total() const noexcept { return total_; }

  // The effective window (a whole number of buckets).
  [[nodiscard]] std::chrono::milliseconds window() const noexcept;

 private:
  // Buckets since the start; t must not be before the start.
  [[nodiscard]] std::int64_t bucket_number(Clock::time_point t) const;
  [[nodiscard]] std::size_t slot(std::int64_t number) const noexcept;

  std::chrono::milliseconds bucket_;
  std::vector<std::int64_t> buckets_;  // ring; bucket number n lives at n % size
  bool started_ = false;
  Clock::time_point start_{};
  Clock::time_point latest_{};  // the latest time seen
  std::int64_t head_ = 0;       // bucket number of latest_; the ring holds head_-size+1..head_
  std::int64_t total_ = 0;
};

}  // namespace lt
