#include "net/tracker_runner.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fstream>
#include <sstream>

namespace lt::net {

void run_tracker_until_signal(const TrackerOptions& options,
                              const std::vector<std::filesystem::path>& register_files,
                              const std::function<void(std::uint16_t)>& on_listening) {
  boost::asio::io_context io(1);
  TrackerServer tracker(io, options);
  for (const std::filesystem::path& file : register_files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw TrackerConfigError("--register " + file.string() + ": cannot open the file");
    std::stringstream bytes;
    bytes << in.rdbuf();
    try {
      const std::string hex = tracker.register_torrent(bytes.str());
      spdlog::info("tracker: registered {} ({})", file.string(), hex);
    } catch (const TrackerConfigError& e) {
      throw TrackerConfigError("--register " + file.string() + ": " + e.what());
    }
  }
  tracker.start();
  if (on_listening) on_listening(tracker.port());

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("tracker: signal {}, stopping", signal);
    tracker.stop();
    io.stop();  // the coroutines of closed connections need not run to their end
  });
  io.run();
  tracker.stop();
}

}  // namespace lt::net
