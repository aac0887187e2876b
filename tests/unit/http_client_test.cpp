#include "net/http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lt::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// Raw reply bytes for a request head, or nullopt to accept and never answer.
using Script = std::function<std::optional<std::string>(std::string_view target)>;

// A scripted HTTP server on 127.0.0.1: reads one request head per connection, writes the
// script's bytes and closes.
class TestServer {
 public:
  TestServer(asio::io_context& io, Script script)
      : io_(io),
        acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}),
        script_(std::move(script)) {
    asio::co_spawn(io_, accept_loop(), asio::detached);
  }

  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  [[nodiscard]] std::string url(std::string_view target) const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(target);
  }
  [[nodiscard]] const std::vector<std::string>& requests() const { return requests_; }
  [[nodiscard]] int connections() const { return connections_; }
  [[nodiscard]] int closed_by_client() const { return closed_by_client_; }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [error, socket] = co_await acceptor_.async_accept(kUseTuple);
      if (error) co_return;
      ++connections_;
      asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    std::string head;
    auto [read_error, n] =
        co_await asio::async_read_until(socket, asio::dynamic_buffer(head), "\r\n\r\n", kUseTuple);
    if (read_error) co_return;
    requests_.push_back(head);
    const std::size_t target_start = head.find(' ') + 1;
    const std::string target =
        head.substr(target_start, head.find(' ', target_start) - target_start);
    const std::optional<std::string> answer = script_(target);
    if (!answer) {
      // Hold the connection open until the client gives up.
      char byte = 0;
      (void)co_await socket.async_read_some(asio::buffer(&byte, 1), kUseTuple);
      ++closed_by_client_;
      co_return;
    }
    (void)co_await asio::async_write(socket, asio::buffer(*answer), kUseTuple);
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  Script script_;
  std::vector<std::string> requests_;
  int connections_ = 0;
  int closed_by_client_ = 0;
};

// Runs task on io until it finishes (at most `limit`), pumping the server as well.
template <typename T>
T run(asio::io_context& io, asio::awaitable<T> task, std::chrono::milliseconds limit = 5s) {
  struct State {
    bool done = false;
    std::exception_ptr error;
    std::optional<T> value;
  };
  auto state = std::make_shared<State>();
  asio::co_spawn(io, std::move(task), [state](std::exception_ptr error, T value) {
    state->done = true;
    state->error = error;
    if (!error) state->value = std::move(value);
  });
  // run_one_for() stops an io_context that ran out of work; a later task needs it running.
  if (io.stopped()) io.restart();
  const auto end = Clock::now() + limit;
  while (!state->done && Clock::now() < end)
    io.run_one_for(20ms);
  if (!state->done) throw std::runtime_error("test task did not finish");
  if (state->error) std::rethrow_exception(state->error);
  return std::move(*state->value);
}

HttpGetResponse get(asio::io_context& io, const std::string& url, HttpGetOptions options = {}) {
  return run(io, http_get(url, std::move(options)));
}

std::string get_error(asio::io_context& io, const std::string& url, HttpGetOptions options = {}) {
  try {
    const HttpGetResponse response = get(io, url, std::move(options));
    ADD_FAILURE() << "unexpected success: status " << response.status;
  } catch (const HttpError& e) {
    return e.what();
  }
  return {};
}

std::string reply(std::string_view status_line, std::string_view headers, std::string_view body) {
  return "HTTP/1.1 " + std::string(status_line) + "\r\n" + std::string(headers) + "\r\n" +
         std::string(body);
}

std::string with_length(std::string_view status_line, std::string_view body) {
  return reply(status_line, "Content-Length: " + std::to_string(body.size()) + "\r\n", body);
}

std::string redirect(int status, std::string_view location) {
  return reply(std::to_string(status) + " Moved",
               "Location: " + std::string(location) + "\r\nContent-Length: 0\r\n", "");
}

// ---- parse_http_url ----

TEST(HttpClientUrl, ParsesHostPortAndTarget) {
  HttpUrl url = parse_http_url("http://tracker.example.org/announce?passkey=a%20b");
  EXPECT_EQ(url.host, "tracker.example.org");
  EXPECT_EQ(url.port, 80);
  EXPECT_EQ(url.target, "/announce?passkey=a%20b");
  EXPECT_EQ(url.host_header(), "tracker.example.org");
  EXPECT_EQ(url.authority(), "tracker.example.org:80");

  url = parse_http_url("HTTP://Tracker.Example:6969");
  EXPECT_EQ(url.host, "Tracker.Example");
  EXPECT_EQ(url.port, 6969);
  EXPECT_EQ(url.target, "/");
  EXPECT_EQ(url.host_header(), "Tracker.Example:6969");

  EXPECT_EQ(parse_http_url("http://h?x=1").target, "/?x=1");
  EXPECT_EQ(parse_http_url("http://h:/a").port, 80);
  EXPECT_EQ(parse_http_url("http://h/a#frag?x").target, "/a");
  EXPECT_EQ(parse_http_url("http://10.0.0.1:1/").host, "10.0.0.1");
  EXPECT_EQ(parse_http_url("http://h:65535/").port, 65535);
}

TEST(HttpClientUrl, ParsesIpv6Literals) {
  HttpUrl url = parse_http_url("http://[::1]:6969/announce");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 6969);
  EXPECT_EQ(url.target, "/announce");
  EXPECT_EQ(url.host_header(), "[::1]:6969");
  EXPECT_EQ(url.authority(), "[::1]:6969");

  url = parse_http_url("http://[2001:db8::1]");
  EXPECT_EQ(url.host, "2001:db8::1");
  EXPECT_EQ(url.port, 80);
  EXPECT_EQ(url.host_header(), "[2001:db8::1]");
}

TEST(HttpClientUrl, RefusesHttps) {
  for (const char* text : {"https://t.example/announce", "HTTPS://t.example:443/"}) {
    try {
      (void)parse_http_url(text);
      ADD_FAILURE() << text;
    } catch (const HttpError& e) {
      EXPECT_STREQ(e.what(), "https trackers are not supported");
    }
  }
}

TEST(HttpClientUrl, RejectsMalformedUrls) {
  using namespace std::string_literals;
  for (const std::string& text : {""s,
                                  "example.com/announce"s,
                                  "udp://h:80/announce"s,
                                  "http:/h/"s,
                                  "http://"s,
                                  "http:///x"s,
                                  "http://:80/"s,
                                  "http://h:0/"s,
                                  "http://h:65536/"s,
                                  "http://h:80a/"s,
                                  "http://h:123456/"s,
                                  "http://h:1:2/"s,
                                  "http://[::1/"s,
                                  "http://[::1]x/"s,
                                  "http://[::1]:/x:"s + "\x01",
                                  "http://[1.2.3.4]/"s,
                                  "http://[fe80::1%25eth0]/"s,
                                  "http://[]/"s,
                                  "http://user@h/"s,
                                  "http://user:pw@h/"s,
                                  "http://ho st/"s,
                                  "http://h/a b"s,
                                  "http://h/a\r\nX-Injected: 1"s,
                                  "http://h/\x80"s,
                                  "http://h\0/"s,
                                  " http://h/"s,
                                  "http://h/\x7f"s}) {
    try {
      (void)parse_http_url(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const HttpError& e) {
      EXPECT_STREQ(e.what(), "invalid URL") << text;
    }
  }
}

// ---- http_get against a local server ----

class HttpClientTest : public ::testing::Test {
 protected:
  asio::io_context io;
};

TEST_F(HttpClientTest, ReturnsStatusAndBody) {
  TestServer server(io, [](std::string_view) { return with_length("200 OK", "d5:peers0:e"); });
  const HttpGetResponse response = get(io, server.url("/announce?info_hash=%00x"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "d5:peers0:e");

  ASSERT_EQ(server.requests().size(), 1u);
  const std::string& head = server.requests()[0];
  EXPECT_TRUE(head.starts_with("GET /announce?info_hash=%00x HTTP/1.1\r\n")) << head;
  EXPECT_NE(head.find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos)
      << head;
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Accept-Encoding: identity\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("User-Agent: Like-Torrent/0.1.0\r\n"), std::string::npos) << head;
}

TEST_F(HttpClientTest, AcceptsChunkedBody) {
  TestServer server(io, [](std::string_view) {
    return reply("200 OK", "Transfer-Encoding: chunked\r\n",
                 "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n");
  });
  const HttpGetResponse response = get(io, server.url("/"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello world");
}

TEST_F(HttpClientTest, ReadsBodyWithoutLengthToEof) {
  TestServer server(io, [](std::string_view target) -> std::optional<std::string> {
    if (target == "/old") return "HTTP/1.0 200 OK\r\n\r\nhttp/1.0 body";
    return reply("200 OK", "Connection: close\r\n", "until the end");
  });
  EXPECT_EQ(get(io, server.url("/")).body, "until the end");
  EXPECT_EQ(get(io, server.url("/old")).body, "http/1.0 body");
}

TEST_F(HttpClientTest, ReturnsErrorStatuses) {
  TestServer server(io, [](std::string_view target) -> std::optional<std::string> {
    if (target == "/gone") return with_length("404 Not Found", "no such torrent");
    return with_length("500 Internal Server Error", "");
  });
  HttpGetResponse response = get(io, server.url("/gone"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, "no such torrent");
  EXPECT_EQ(get(io, server.url("/x")).status, 500);
}

TEST_F(HttpClientTest, FollowsRedirects) {
  std::string self;
  TestServer server(io, [&self](std::string_view target) -> std::optional<std::string> {
    if (target == "/a/start") return redirect(301, "/a/relative-from-root");
    if (target == "/a/relative-from-root") return redirect(302, "next?q=1");
    if (target == "/a/next?q=1") return redirect(307, self + "/absolute");
    if (target == "/absolute") return with_length("200 OK", "arrived");
    return with_length("404 Not Found", "");
  });
  self = server.url("");
  const HttpGetResponse response = get(io, server.url("/a/start"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "arrived");
  EXPECT_EQ(server.connections(), 4);
}

TEST_F(HttpClientTest, RedirectWithoutLocationIsReturned) {
  TestServer server(io, [](std::string_view) { return with_length("302 Found", "nowhere"); });
  const HttpGetResponse response = get(io, server.url("/"));
  EXPECT_EQ(response.status, 302);
  EXPECT_EQ(response.body, "nowhere");
}

TEST_F(HttpClientTest, RedirectLoopIsCapped) {
  TestServer server(io, [](std::string_view) { return redirect(301, "/loop"); });
  EXPECT_EQ(get_error(io, server.url("/loop")), "too many redirects (max 3)");
  EXPECT_EQ(server.connections(), 4);

  HttpGetOptions options;
  options.max_redirects = 0;
  EXPECT_EQ(get_error(io, server.url("/loop"), options), "too many redirects (max 0)");
  EXPECT_EQ(server.connections(), 5);
}

TEST_F(HttpClientTest, RedirectToHttpsIsRefused) {
  TestServer server(io, [](std::string_view) { return redirect(302, "https://t.example/"); });
  EXPECT_EQ(get_error(io, server.url("/")), "https trackers are not supported");
}

TEST_F(HttpClientTest, BodyOverLimitIsAnError) {
  TestServer server(io, [](std::string_view target) -> std::optional<std::string> {
    const std::string big(100, 'x');
    if (target == "/length") return with_length("200 OK", big);
    if (target == "/chunked") {
      return reply("200 OK", "Transfer-Encoding: chunked\r\n", "64\r\n" + big + "\r\n0\r\n\r\n");
    }
    return reply("200 OK", "Connection: close\r\n", big);
  });
  HttpGetOptions options;
  options.max_body = 99;
  for (const char* target : {"/length", "/chunked", "/eof"}) {
    EXPECT_EQ(get_error(io, server.url(target), options), "reply too large") << target;
  }
  options.max_body = 100;
  EXPECT_EQ(get(io, server.url("/length"), options).body.size(), 100u);
}

TEST_F(HttpClientTest, SilentServerTimesOut) {
  TestServer server(io, [](std::string_view) { return std::nullopt; });
  HttpGetOptions options;
  options.timeout = 300ms;
  const auto start = Clock::now();
  EXPECT_EQ(get_error(io, server.url("/"), options), "timed out after 0.3 s");
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 2s);
  // The client closed its end: the server side sees it.
  for (int i = 0; i < 50 && server.closed_by_client() == 0; ++i)
    io.run_one_for(20ms);
  EXPECT_EQ(server.closed_by_client(), 1);
}

TEST_F(HttpClientTest, DeadlineCoversRedirects) {
  TestServer server(io, [](std::string_view target) -> std::optional<std::string> {
    if (target == "/first") return redirect(302, "/silent");
    return std::nullopt;
  });
  HttpGetOptions options;
  options.timeout = 200ms;
  const auto start = Clock::now();
  EXPECT_EQ(get_error(io, server.url("/first"), options), "timed out after 0.2 s");
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(HttpClientTest, ResolvesNamesAndTriesEveryAddress) {
  // "localhost" may come back as ::1 before 127.0.0.1; the server listens on IPv4 only, so an
  // IPv6 attempt is refused and the next address must be tried.
  TestServer server(io, [](std::string_view) { return with_length("200 OK", "via name"); });
  const std::string url = "http://localhost:" + std::to_string(server.port()) + "/";
  try {
    EXPECT_EQ(get(io, url).body, "via name");
  } catch (const HttpError& e) {
    if (std::string_view(e.what()).starts_with("cannot resolve")) GTEST_SKIP() << e.what();
    throw;
  }
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_NE(server.requests()[0].find("Host: localhost:" + std::to_string(server.port())),
            std::string::npos);
}

TEST_F(HttpClientTest, ConnectionRefused) {
  std::uint16_t port = 0;
  {
    tcp::acceptor closed(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = closed.local_endpoint().port();
  }
  EXPECT_EQ(get_error(io, "http://127.0.0.1:" + std::to_string(port) + "/announce"),
            "connection refused by 127.0.0.1:" + std::to_string(port));
}

TEST_F(HttpClientTest, ClosedWithoutReply) {
  TestServer server(io, [](std::string_view) { return std::string(); });
  EXPECT_EQ(get_error(io, server.url("/")),
            "connection closed by 127.0.0.1:" + std::to_string(server.port()) + " without a reply");
}

TEST_F(HttpClientTest, MalformedReply) {
  TestServer server(io, [](std::string_view target) -> std::optional<std::string> {
    if (target == "/cut") return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort";
    return std::string("SPDY/9 banana\r\n\r\n");
  });
  const std::string authority = "127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(get_error(io, server.url("/")), "malformed HTTP reply from " + authority);
  EXPECT_EQ(get_error(io, server.url("/cut")),
            "connection closed by " + authority + " in the middle of the reply");
}

TEST_F(HttpClientTest, RefusedUrlsNeverTouchTheNetwork) {
  EXPECT_EQ(get_error(io, "https://127.0.0.1:1/announce"), "https trackers are not supported");
  EXPECT_EQ(get_error(io, "udp://127.0.0.1:1/announce"), "invalid URL");
  EXPECT_EQ(get_error(io, "http://127.0.0.1:1/a b"), "invalid URL");
  HttpGetOptions options;
  options.user_agent = "x\r\nEvil: 1";
  EXPECT_EQ(get_error(io, "http://127.0.0.1:1/", options), "invalid user agent");
}

TEST_F(HttpClientTest, CallerCancellationLeavesNothingBehind) {
  using namespace asio::experimental::awaitable_operators;
  TestServer server(io, [](std::string_view) { return std::nullopt; });
  auto race = [&]() -> asio::awaitable<int> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 100ms);
    HttpGetOptions options;
    options.timeout = 10s;
    auto winner =
        co_await (http_get(server.url("/"), options) || timer.async_wait(asio::use_awaitable));
    co_return static_cast<int>(winner.index());
  };
  const auto start = Clock::now();
  EXPECT_EQ(run(io, race()), 1);  // the timer won
  EXPECT_LT(Clock::now() - start, 2s);
  for (int i = 0; i < 50 && server.closed_by_client() == 0; ++i)
    io.run_one_for(20ms);
  EXPECT_EQ(server.closed_by_client(), 1);  // the cancelled GET closed its socket
}

}  // namespace
}  // namespace lt::net
