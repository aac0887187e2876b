#include "net/local_tracker.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <thread>

namespace lt::net {
namespace asio = boost::asio;

struct LocalTracker::Impl {
  asio::io_context io{1};
  std::unique_ptr<TrackerServer> server;
  std::unique_ptr<asio::steady_timer> status_timer;
  std::thread thread;
  mutable std::mutex mutex;
  std::optional<TrackerStatus> last_status;

  // Copies the status once a second on the tracker's thread, where it may be read.
  void refresh_status() {
    {
      const std::lock_guard lock(mutex);
      last_status = server->status();
    }
    status_timer->expires_after(std::chrono::seconds(1));
    status_timer->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) refresh_status();
    });
  }
};

LocalTracker::LocalTracker() = default;

LocalTracker::~LocalTracker() {
  stop();
}

std::uint16_t LocalTracker::start(const TrackerOptions& options) {
  stop();
  auto impl = std::make_unique<Impl>();
  // Built and bound here, so a failure reaches the caller as an exception and nothing runs.
  impl->server = std::make_unique<TrackerServer>(impl->io, options);
  impl->server->start();
  const std::uint16_t port = impl->server->port();
  impl->status_timer = std::make_unique<asio::steady_timer>(impl->io);
  Impl* raw = impl.get();
  asio::post(impl->io, [raw] { raw->refresh_status(); });
  impl->thread = std::thread([raw] {
    try {
      raw->io.run();
    } catch (const std::exception& e) {
      spdlog::error("local tracker: {}", e.what());
    }
  });
  impl_ = std::move(impl);
  spdlog::info("local tracker: listening on port {}", port);
  return port;
}

void LocalTracker::stop() {
  if (!impl_) return;
  Impl* raw = impl_.get();
  asio::post(raw->io, [raw] {
    raw->status_timer->cancel();
    raw->server->stop();
    raw->io.stop();  // connections' coroutines need not run to their end
  });
  if (raw->thread.joinable()) raw->thread.join();
  // The io_context's handlers (and the server's coroutines) go before the server itself.
  raw->status_timer.reset();
  raw->server.reset();
  impl_.reset();
}

bool LocalTracker::running() const noexcept {
  return impl_ != nullptr;
}

std::optional<TrackerStatus> LocalTracker::status() const {
  if (!impl_) return std::nullopt;
  const std::lock_guard lock(impl_->mutex);
  return impl_->last_status;
}

}  // namespace lt::net
