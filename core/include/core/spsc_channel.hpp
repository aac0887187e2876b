#pragma once
// A bounded single-producer/single-consumer channel between the GUI thread and the network
// thread (DESIGN.md section 1), over moodycamel's lock-free ReaderWriterQueue.
//
// - Bounded: try_push never allocates beyond the capacity given at construction and never
//   blocks; when full it returns false and the producer decides (the engine counts drops).
// - Wake-ups on the empty -> non-empty edge only: try_push reports whether the consumer must be
//   woken. The flag is cleared by the consumer when it drains, so a burst of pushes between two
//   drains costs one wake-up, never one per item.

#include <readerwriterqueue/readerwriterqueue.h>

#include <atomic>
#include <cstddef>
#include <utility>
#include <vector>

namespace lt {

template <typename T>
class SpscChannel {
 public:
  explicit SpscChannel(std::size_t capacity) : queue_(capacity), capacity_(capacity) {}

  // Producer side. Returns false when full (the item is not moved from in that case).
  // `wake` becomes true when this push must wake the consumer.
  [[nodiscard]] bool try_push(T&& item, bool& wake) {
    if (queue_.size_approx() >= capacity_) {
      wake = false;
      return false;
    }
    if (!queue_.try_enqueue(std::move(item))) {
      wake = false;
      return false;
    }
    wake = !wake_pending_.exchange(true, std::memory_order_acq_rel);
    return true;
  }

  // Consumer side: moves everything queued into out (appending); returns how many. Clears the
  // wake flag first, so an item pushed during the drain wakes the consumer again.
  std::size_t drain(std::vector<T>& out) {
    wake_pending_.store(false, std::memory_order_release);
    std::size_t n = 0;
    T item;
    while (queue_.try_dequeue(item)) {
      out.push_back(std::move(item));
      ++n;
    }
    return n;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  moodycamel::ReaderWriterQueue<T> queue_;
  std::size_t capacity_;
  std::atomic<bool> wake_pending_{false};
};

}  // namespace lt
