#include "core/rate_meter.hpp"

#include <algorithm>
#include <stdexcept>

namespace lt {

RateMeter::RateMeter(std::chrono::milliseconds window, std::chrono::milliseconds bucket)
    : bucket_(bucket) {
  if (bucket.count() <= 0) throw std::invalid_argument("RateMeter: bucket must be positive");
  if (window < bucket) throw std::invalid_argument("RateMeter: window shorter than a bucket");
  const std::int64_t count = window / bucket;
  if (count > kMaxBuckets) throw std::invalid_argument("RateMeter: too many buckets");
  buckets_.assign(static_cast<std::size_t>(count), 0);
}

std::chrono::milliseconds RateMeter::window() const noexcept {
  return bucket_ * static_cast<std::int64_t>(buckets_.size());
}

std::int64_t RateMeter::bucket_number(Clock::time_point t) const {
  return static_cast<std::int64_t>((t - start_) / bucket_);
}

std::size_t RateMeter::slot(std::int64_t number) const noexcept {
  return static_cast<std::size_t>(number) % buckets_.size();
}

void RateMeter::add(std::int64_t bytes, Clock::time_point now) {
  if (!started_) {
    started_ = true;
    start_ = now;
    latest_ = now;
    head_ = 0;
  }
  if (now > latest_) {
    latest_ = now;
    const std::int64_t number = bucket_number(now);
    const auto size = static_cast<std::int64_t>(buckets_.size());
    // Clear the buckets skipped since head_: they hold data from a window ago. A gap longer
    // than the ring clears each bucket once, however long the silence was.
    if (number - head_ >= size) {
      std::fill(buckets_.begin(), buckets_.end(), 0);
    } else {
      for (std::int64_t n = head_ + 1; n <= number; ++n)
        buckets_[slot(n)] = 0;
    }
    head_ = number;
  }
  if (bytes > 0) {
    buckets_[slot(head_)] += bytes;
    total_ += bytes;
  }
}

double RateMeter::rate(Clock::time_point now) const {
  if (!started_) return 0.0;
  const Clock::time_point t = std::max(now, latest_);
  const auto size = static_cast<std::int64_t>(buckets_.size());
  // The window is the current (partial) bucket and the size-1 whole buckets before it.
  const std::int64_t oldest = std::max<std::int64_t>(bucket_number(t) - size + 1, 0);
  const std::int64_t first = std::max(oldest, head_ - size + 1);
  std::int64_t sum = 0;
  for (std::int64_t n = first; n <= head_; ++n)
    sum += buckets_[slot(n)];
  if (sum == 0) return 0.0;
  // Divide by the time the summed buckets actually cover: from the oldest bucket's start (or
  // the meter's start, for a young meter) to now, but never less than one bucket.
  const Clock::duration span = std::max<Clock::duration>(t - (start_ + bucket_ * oldest), bucket_);
  return static_cast<double>(sum) / std::chrono::duration<double>(span).count();
}

}  // namespace lt
