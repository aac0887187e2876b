#pragma once
// A small HTTP/1.1 server on Boost.Beast with C++20 coroutines: keep-alive, a deadline on every
// read and write (slowloris), capped headers and bodies, a cap on open connections, and a stop
// that closes everything. The tracker serves through it; requests are answered synchronously
// by a handler on the io_context's thread, which owns all the state the handler touches.
//
// Asio stays out of this header (it is heavy to compile): the implementation is behind a pimpl.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace lt::net {

struct RemoteAddress {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 (also v4-mapped IPv6) in the first 4 bytes
  bool v6 = false;
  bool loopback = false;
  std::string text;
};

struct HttpRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // origin-form: "/announce?info_hash=..."
  std::string_view content_type;
  std::string_view body;
  RemoteAddress remote;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::vector<std::string> bind_addresses = {"0.0.0.0", "::"};
  std::uint16_t port = 8000;  // 0 = any free port (tests)
  std::size_t max_connections = 1024;
  std::uint32_t header_limit = 8 * 1024;  // request line + headers
  std::uint64_t body_limit = 8 * 1024 * 1024;
  std::chrono::milliseconds idle_timeout{30'000};  // a whole request must arrive within this
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds every address (SO_REUSEADDR) and starts accepting. Throws std::runtime_error naming
  // the address when none can be bound; an address that fails beside one that works is logged.
  void start();
  // Stops accepting and closes every connection; the coroutines end on their own.
  void stop();

  [[nodiscard]] std::uint16_t port() const noexcept;  // the bound port
  [[nodiscard]] std::size_t open_connections() const noexcept;
  [[nodiscard]] std::uint64_t requests_served() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace lt::net
