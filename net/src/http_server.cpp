#include "net/http_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <stdexcept>

#include "use_tuple.hpp"

namespace lt::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

RemoteAddress to_remote(const tcp::endpoint& endpoint) {
  RemoteAddress r;
  asio::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  r.loopback = address.is_loopback();
  r.text = address.to_string();
  if (address.is_v4()) {
    const auto b = address.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), r.bytes.begin());
  } else {
    r.v6 = true;
    const auto b = address.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), r.bytes.begin());
  }
  return r;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, HttpServerOptions o, HttpHandler h)
      : io(io_context), options(std::move(o)), handler(std::move(h)) {}

  asio::io_context& io;
  HttpServerOptions options;
  HttpHandler handler;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::list<beast::tcp_stream*> streams;  // open connections, closed by stop()
  std::uint16_t bound_port = 0;
  std::uint64_t served = 0;
  bool stopping = false;

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    auto self = shared_from_this();
    while (!stopping) {
      auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) break;
        spdlog::debug("http: accept failed: {}", ec.message());
        continue;
      }
      if (streams.size() >= options.max_connections) {
        // Over the cap: refuse by closing at once rather than queueing unbounded work.
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      asio::co_spawn(io, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    auto self = shared_from_this();
    boost::system::error_code ec;
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) co_return;
    beast::tcp_stream stream(std::move(socket));
    const auto it = streams.insert(streams.end(), &stream);
    co_await serve(stream, to_remote(peer));
    streams.erase(it);
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.close();
  }

  asio::awaitable<void> serve(beast::tcp_stream& stream, const RemoteAddress& remote) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(options.header_limit);
      parser.body_limit(options.body_limit);
      stream.expires_after(options.idle_timeout);
      auto [read_ec, read_bytes] = co_await http::async_read(stream, buffer, parser, kUseTuple);
      if (read_ec) {
        // Oversized or malformed requests get an answer; closed or timed-out ones do not.
        if (read_ec == http::error::header_limit) {
          co_await reply_and_close(stream, 431, "request line and headers too large\n");
        } else if (read_ec == http::error::body_limit) {
          co_await reply_and_close(stream, 413, "request body too large\n");
        } else if (read_ec.category() ==
                       http::make_error_code(http::error::bad_method).category() &&
                   read_ec != http::error::end_of_stream &&
                   read_ec != http::error::partial_message) {
          co_await reply_and_close(stream, 400, "bad request\n");
        }
        co_return;
      }
      const auto& req = parser.get();
      HttpRequest request{std::string_view(req.method_string().data(), req.method_string().size()),
                          std::string_view(req.target().data(), req.target().size()),
                          std::string_view(req[http::field::content_type].data(),
                                           req[http::field::content_type].size()),
                          req.body(), remote};
      HttpResponse answer;
      try {
        answer = handler(request);
      } catch (const std::exception& e) {
        spdlog::error("http: handler failed for {}: {}", std::string(request.target), e.what());
        answer = {500, "text/plain; charset=utf-8", "internal error\n", {}};
      }
      ++served;
      http::response<http::string_body> res{static_cast<http::status>(answer.status),
                                            req.version()};
      res.set(http::field::server, "Like-Torrent/" LT_VERSION);
      res.set(http::field::content_type, answer.content_type);
      for (const auto& [name, value] : answer.headers)
        res.set(name, value);
      res.keep_alive(req.keep_alive() && !stopping);
      res.body() = std::move(answer.body);
      res.prepare_payload();
      stream.expires_after(options.idle_timeout);
      auto [write_ec, written] = co_await http::async_write(stream, res, kUseTuple);
      if (write_ec || !res.keep_alive()) co_return;
    }
  }

  static asio::awaitable<void> reply_and_close(beast::tcp_stream& stream, int status,
                                               std::string body) {
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.keep_alive(false);
    res.body() = std::move(body);
    res.prepare_payload();
    (void)co_await http::async_write(stream, res, kUseTuple);
  }
};

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  Impl& s = *impl_;
  std::string failures;
  std::uint16_t port = s.options.port;
  for (const std::string& bind : s.options.bind_addresses) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(bind, ec);
    if (ec) throw std::runtime_error("invalid bind address \"" + bind + "\"");
    auto acceptor = std::make_unique<tcp::acceptor>(s.io);
    const tcp::endpoint endpoint(address, port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    // Separate IPv4 and IPv6 sockets on one port need the IPv6 one to stay IPv6-only.
    if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      failures += (failures.empty() ? "" : "; ") + bind + ": " + ec.message();
      continue;
    }
    // With port 0 the first socket picks the port; the others share it.
    port = acceptor->local_endpoint().port();
    s.bound_port = port;
    s.acceptors.push_back(std::move(acceptor));
  }
  if (s.acceptors.empty()) {
    throw std::runtime_error("cannot listen on port " + std::to_string(s.options.port) + " (" +
                             failures + ")");
  }
  if (!failures.empty()) spdlog::warn("http: not listening on {}", failures);
  for (auto& acceptor : s.acceptors) {
    asio::co_spawn(s.io, s.accept_loop(*acceptor), asio::detached);
  }
}

void HttpServer::stop() {
  if (!impl_) return;
  Impl& s = *impl_;
  s.stopping = true;
  boost::system::error_code ignored;
  for (auto& acceptor : s.acceptors)
    acceptor->close(ignored);
  for (beast::tcp_stream* stream : s.streams)
    stream->socket().close(ignored);
}

std::uint16_t HttpServer::port() const noexcept {
  return impl_->bound_port;
}
std::size_t HttpServer::open_connections() const noexcept {
  return impl_->streams.size();
}
std::uint64_t HttpServer::requests_served() const noexcept {
  return impl_->served;
}

}  // namespace lt::net
