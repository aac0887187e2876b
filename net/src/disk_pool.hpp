#pragma once
// The disk thread pool (DESIGN.md section 1): file reads and writes and SHA-1 run here, never on
// the network thread. A coroutine on the network thread awaits a job with
//   auto job = [storage, p] { return storage->hash_piece(p); };
//   auto digest = co_await disk.run(std::move(job));
// and resumes on its own executor with the result (or the job's exception rethrown).
//
// Always name the job first: GCC 12 destroys a lambda temporary created inside a co_await
// expression twice (its captures were released twice: a use-after-free of the storage),
// whether or not the callee is a coroutine. Catch exceptions inside the job rather than around
// the co_await.
//
// Jobs capture what they touch by value or through shared ownership: the awaiting coroutine
// may be cancelled while a job still runs.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace lt::net {

class DiskPool {
 public:
  explicit DiskPool(std::size_t threads) : pool_(threads) {}
  ~DiskPool() { join(); }
  DiskPool(const DiskPool&) = delete;
  DiskPool& operator=(const DiskPool&) = delete;

  // Not a coroutine itself: it returns co_spawn's awaitable, and the job lives in co_spawn's
  // own frame until it has run.
  template <typename Job>
  [[nodiscard]] boost::asio::awaitable<std::invoke_result_t<Job&>> run(Job job) {
    using Result = std::invoke_result_t<Job&>;
    return boost::asio::co_spawn(
        pool_.get_executor(),
        [job = std::move(job)]() mutable -> boost::asio::awaitable<Result> { co_return job(); },
        boost::asio::use_awaitable);
  }

  // Waits for queued jobs to finish; no new jobs after this.
  void join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace lt::net
