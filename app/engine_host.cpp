#include "engine_host.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <string>

#include "cli_error.hpp"

namespace lt::app {
namespace {

std::atomic<int> g_signal{0};

extern "C" void on_signal(int signal) {
  g_signal.store(signal);
}

}  // namespace

std::optional<std::int64_t> kib_to_bytes(const char* option, std::optional<std::int64_t> kib) {
  if (!kib) return std::nullopt;
  if (*kib < 0 || *kib > (std::int64_t{1} << 30)) {
    throw UsageError(std::string(option) + " must be 0-1073741824 KiB/s, got " +
                     std::to_string(*kib));
  }
  return *kib * 1024;
}

EngineHost::EngineHost(net::EngineSettings settings) {
  engine_ = std::make_unique<net::Engine>(std::move(settings), [this] {
    {
      const std::lock_guard lock(mutex_);
      woken_ = true;
    }
    wake_.notify_one();
  });
  g_signal.store(0);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

EngineHost::~EngineHost() {
  shutdown();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

void EngineHost::wait(std::vector<engine::Event>& out) {
  {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return woken_; });
    woken_ = false;
  }
  out.clear();
  engine_->poll(out);
}

int EngineHost::signal_received() noexcept {
  return g_signal.load();
}

void EngineHost::shutdown() {
  engine_->shutdown();
}

}  // namespace lt::app
