#include "net/engine.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <thread>

#if defined(__linux__)
#include <pthread.h>
#endif

#include "core/spsc_channel.hpp"
#include "session.hpp"

namespace lt::net {
namespace asio = boost::asio;

struct Engine::Impl {
  Impl(EngineSettings s, std::function<void()> notify_fn)
      : settings(s),
        notify(std::move(notify_fn)),
        work(asio::make_work_guard(io)),
        commands(s.command_queue),
        events(s.event_queue),
        session(io, s, [this](engine::Event e) { emit(std::move(e)); }) {}

  // Network thread: push one event, counting what the full queue makes us drop.
  void emit(engine::Event event) {
    bool wake = false;
    if (dropped > 0) {
      engine::Event notice = engine::EventsDropped{dropped};
      bool w = false;
      if (events.try_push(std::move(notice), w)) {
        dropped = 0;
        wake = wake || w;
      }
    }
    bool w = false;
    if (!events.try_push(std::move(event), w)) {
      ++dropped;
    }
    wake = wake || w;
    if (wake && notify) notify();
  }

  // Network thread: run every queued command.
  void drain_commands() {
    std::vector<engine::Command> batch;
    commands.drain(batch);
    for (engine::Command& command : batch) {
      if (std::holds_alternative<engine::Shutdown>(command)) {
        begin_shutdown();
        continue;
      }
      if (shutting_down) continue;
      try {
        session.handle(std::move(command));
      } catch (const std::exception& e) {
        // A command must never take the network thread down.
        spdlog::error("engine: command failed: {}", e.what());
        emit(engine::Error{std::nullopt, e.what()});
      }
    }
  }

  void begin_shutdown() {
    if (shutting_down) return;
    shutting_down = true;
    asio::co_spawn(io, session.shutdown(), [this](const std::exception_ptr& error) {
      if (error) spdlog::error("engine: shutdown did not finish cleanly");
      emit(engine::Stopped{});
      work.reset();
      io.stop();
    });
  }

  void thread_main() {
#if defined(__linux__)
    pthread_setname_np(pthread_self(), "lt-network");
#endif
    session.start();
    // Each handler's exception is caught where it is spawned; this loop only survives a stray
    // one so that the owner still gets its Stopped event.
    for (;;) {
      try {
        io.run();
        break;
      } catch (const std::exception& e) {
        spdlog::error("engine: unexpected exception on the network thread: {}", e.what());
      }
    }
  }

  EngineSettings settings;
  std::function<void()> notify;
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work;
  SpscChannel<engine::Command> commands;
  SpscChannel<engine::Event> events;
  std::uint64_t dropped = 0;
  bool shutting_down = false;
  Session session;
  std::thread thread;
  std::future<void> finished;
  bool joined = false;
};

Engine::Engine(EngineSettings settings, std::function<void()> notify)
    : impl_(std::make_unique<Impl>(settings, std::move(notify))) {
  std::packaged_task<void()> task([impl = impl_.get()] { impl->thread_main(); });
  impl_->finished = task.get_future();
  impl_->thread = std::thread(std::move(task));
}

Engine::~Engine() {
  shutdown();
}

bool Engine::post(engine::Command command) {
  bool wake = false;
  if (!impl_->commands.try_push(std::move(command), wake)) return false;
  if (wake) asio::post(impl_->io, [impl = impl_.get()] { impl->drain_commands(); });
  return true;
}

std::size_t Engine::poll(std::vector<engine::Event>& out) {
  return impl_->events.drain(out);
}

void Engine::shutdown(int timeout_ms) {
  if (impl_->joined) return;
  // A full command queue must not keep us from stopping: retry briefly, then stop hard.
  bool posted = false;
  for (int i = 0; i < 100 && !posted; ++i) {
    posted = post(engine::Shutdown{});
    if (!posted) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!posted || impl_->finished.wait_for(std::chrono::milliseconds(timeout_ms)) !=
                     std::future_status::ready) {
    spdlog::warn("engine: shutdown took longer than {} ms; stopping hard", timeout_ms);
    impl_->io.stop();
  }
  impl_->thread.join();
  impl_->joined = true;
}

}  // namespace lt::net
