#include "core/queue_policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace lt {

std::vector<bool> decide_active(std::span<const QueueEntry> entries, QueueLimits limits) {
  std::vector<bool> run(entries.size(), false);
  std::vector<std::size_t> candidates;
  candidates.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const QueueEntry& e = entries[i];
    if (!e.wants_to_run) continue;
    const int limit = e.complete ? limits.max_active_seeds : limits.max_active_downloads;
    if (limit == 0) continue;
    if (e.active && e.stalled) {
      run[i] = true;  // keeps running without holding a slot
      continue;
    }
    candidates.push_back(i);
  }
  // Stable, so equal positions keep input order.
  std::stable_sort(candidates.begin(), candidates.end(), [&](std::size_t a, std::size_t b) {
    return entries[a].position < entries[b].position;
  });
  int downloads = 0;
  int seeds = 0;
  for (const std::size_t i : candidates) {
    const bool seed = entries[i].complete;
    const int limit = seed ? limits.max_active_seeds : limits.max_active_downloads;
    int& used = seed ? seeds : downloads;
    if (limit >= 0 && used >= limit) continue;
    run[i] = true;
    ++used;
  }
  return run;
}

StallDetector::StallDetector(double threshold, Clock::duration grace)
    : threshold_(threshold), grace_(grace) {}

bool StallDetector::update(double rate, Clock::time_point now) {
  // A NaN rate carries no information; treat it as no data moving, like a rate meter with none.
  if (std::isnan(rate)) rate = 0.0;
  if (rate >= threshold_) {
    slow_ = false;
    stalled_ = false;
    return stalled_;
  }
  if (!slow_) {
    slow_ = true;
    slow_since_ = now;
  }
  // Sticky within a slow period, so a sample with an earlier time cannot un-stall it.
  if (now - slow_since_ >= grace_) stalled_ = true;
  return stalled_;
}

void StallDetector::reset(Clock::time_point now) {
  slow_ = true;
  slow_since_ = now;
  stalled_ = false;
}

}  // namespace lt
