#include "net/http_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>
#include <memory>
#include <utility>

#include "core/tracker_protocol.hpp"
#include "use_tuple.hpp"

namespace lt::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Tracker replies carry a handful of headers; anything near this is not a tracker.
constexpr std::uint32_t kHeaderLimit = 16 * 1024;

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Printable ASCII without space: what may go verbatim into a request line or header.
bool is_visible(char c) {
  return c > 0x20 && c < 0x7f;
}

bool valid_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return false;
  for (const char c : target) {
    if (!is_visible(c)) return false;
  }
  return true;
}

[[noreturn]] void invalid_url() {
  throw HttpError("invalid URL");
}

// "15 s", "0.3 s", "1.25 s": whole milliseconds, without trailing zeros.
std::string seconds_text(std::chrono::milliseconds timeout) {
  const long long ms = std::max<long long>(timeout.count(), 0);
  std::string text = std::to_string(ms / 1000);
  if (const long long frac = ms % 1000; frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 3 - digits.size(), '0');
    while (digits.back() == '0')
      digits.pop_back();
    text += "." + digits;
  }
  return text + " s";
}

[[noreturn]] void throw_timeout(const HttpGetOptions& options) {
  throw HttpError("timed out after " + seconds_text(options.timeout));
}

[[noreturn]] void throw_cancelled() {
  throw boost::system::system_error(asio::error::operation_aborted);
}

std::uint16_t parse_port(std::string_view text) {
  if (text.empty()) return 80;  // RFC 3986 3.2.3: an empty port means the default
  if (text.size() > 5) invalid_url();
  unsigned value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') invalid_url();
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) invalid_url();
  return static_cast<std::uint16_t>(value);
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Where a Location header points, relative to the URL that answered with it.
HttpUrl follow_location(const HttpUrl& base, std::string_view location) {
  while (!location.empty() && (location.front() == ' ' || location.front() == '\t'))
    location.remove_prefix(1);
  while (!location.empty() && (location.back() == ' ' || location.back() == '\t'))
    location.remove_suffix(1);
  if (location.starts_with("//")) return parse_http_url("http:" + std::string(location));
  const std::size_t scheme = location.find("://");
  if (scheme != std::string_view::npos && location.find_first_of("/?") > scheme) {
    return parse_http_url(location);
  }
  location = location.substr(0, location.find('#'));
  HttpUrl next = base;
  if (location.starts_with('/')) {
    next.target = location;
  } else {
    // Relative to the base's directory: "scrape?x" from "/a/announce?y" is "/a/scrape?x".
    const std::string_view path = std::string_view(base.target).substr(0, base.target.find('?'));
    next.target = std::string(path.substr(0, path.rfind('/') + 1)) + std::string(location);
  }
  if (!valid_target(next.target)) throw HttpError("invalid redirect location");
  return next;
}

// The addresses for url.host, within the deadline. getaddrinfo cannot be interrupted, so the
// lookup is not awaited directly: its handler owns the state and wakes this coroutine through a
// timer that also fires at the deadline. On timeout or cancellation the coroutine leaves and the
// lookup finishes on its own, its result dropped.
asio::awaitable<tcp::resolver::results_type> resolve(const HttpUrl& url, Clock::time_point deadline,
                                                     const HttpGetOptions& options) {
  struct Lookup {
    explicit Lookup(const asio::any_io_executor& executor) : resolver(executor), wake(executor) {}
    tcp::resolver resolver;
    asio::steady_timer wake;
    bool finished = false;
    boost::system::error_code error;
    tcp::resolver::results_type results;
  };
  auto lookup = std::make_shared<Lookup>(co_await asio::this_coro::executor);
  lookup->wake.expires_at(deadline);
  lookup->resolver.async_resolve(
      url.host, std::to_string(url.port), tcp::resolver::numeric_service,
      [lookup](const boost::system::error_code& error, tcp::resolver::results_type results) {
        lookup->finished = true;
        lookup->error = error;
        lookup->results = std::move(results);
        lookup->wake.cancel();
      });
  const auto [wait_error] = co_await lookup->wake.async_wait(kUseTuple);
  if (!lookup->finished) {
    lookup->resolver.cancel();  // spares the lookup if it has not started yet
    if (wait_error == asio::error::operation_aborted) throw_cancelled();
    throw_timeout(options);
  }
  if (lookup->error == asio::error::operation_aborted) throw_cancelled();
  if (lookup->error || lookup->results.empty()) {
    throw HttpError("cannot resolve " + url.host + ": " +
                    (lookup->error ? lookup->error.message() : std::string("no addresses")));
  }
  co_return std::move(lookup->results);
}

struct Reply {
  int status = 0;
  std::string body;
  std::string location;
};

// Turns a failed step into the error the caller sees.
[[noreturn]] void fail_step(const boost::system::error_code& error, const HttpUrl& url,
                            const HttpGetOptions& options, std::string_view step) {
  if (error == beast::error::timeout) throw_timeout(options);
  if (error == asio::error::operation_aborted) throw_cancelled();
  if (error == http::error::body_limit) throw HttpError("reply too large");
  if (error == http::error::header_limit) throw HttpError("reply headers too large");
  if (error == asio::error::connection_refused) {
    throw HttpError("connection refused by " + url.authority());
  }
  if (error == http::error::end_of_stream) {
    throw HttpError("connection closed by " + url.authority() + " without a reply");
  }
  if (error == http::error::partial_message) {
    throw HttpError("connection closed by " + url.authority() + " in the middle of the reply");
  }
  if (error.category() == http::make_error_code(http::error::bad_version).category()) {
    throw HttpError("malformed HTTP reply from " + url.authority());
  }
  throw HttpError(std::string(step) + " " + url.authority() + " failed: " + error.message());
}

// GCC 12 at -O1 inlines this coroutine's frame allocation (Asio's recycling operator new, which
// falls back to aligned_alloc) next to the matching class operator delete and reports a
// mismatch that cannot happen. Scoped to this one function.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
// One request on one connection; every step ends by the deadline.
asio::awaitable<Reply> fetch(const HttpUrl& url, const HttpGetOptions& options,
                             Clock::time_point deadline) {
  const tcp::resolver::results_type endpoints = co_await resolve(url, deadline, options);

  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_at(deadline);
  const auto [connect_error, endpoint] = co_await stream.async_connect(endpoints, kUseTuple);
  if (connect_error) fail_step(connect_error, url, options, "connecting to");

  http::request<http::empty_body> request{http::verb::get, url.target, 11};
  request.set(http::field::host, url.host_header());
  request.set(http::field::user_agent, options.user_agent);
  request.set(http::field::accept_encoding, "identity");
  request.set(http::field::connection, "close");
  stream.expires_at(deadline);
  const auto [write_error, written] = co_await http::async_write(stream, request, kUseTuple);
  if (write_error) fail_step(write_error, url, options, "sending the request to");

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(options.max_body);
  stream.expires_at(deadline);
  const auto [read_error, read] = co_await http::async_read(stream, buffer, parser, kUseTuple);
  if (read_error) fail_step(read_error, url, options, "reading the reply from");

  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.close();

  http::response<http::string_body> response = parser.release();
  Reply reply;
  reply.status = static_cast<int>(response.result_int());
  reply.location = std::string(response[http::field::location]);
  reply.body = std::move(response.body());
  co_return reply;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace

std::string HttpUrl::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string text = v6 ? "[" + host + "]" : host;
  if (port != 80) text += ":" + std::to_string(port);
  return text;
}

std::string HttpUrl::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

HttpUrl parse_http_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) invalid_url();
  const std::string_view scheme = url.substr(0, scheme_end);
  if (iequals(scheme, "https")) throw HttpError("https trackers are not supported");
  if (!iequals(scheme, "http")) invalid_url();

  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view target = rest.substr(authority_end);

  HttpUrl out;
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) invalid_url();
    const std::string_view literal = authority.substr(1, close - 1);
    const auto address = tracker::parse_ip(literal);
    if (!address || !address->v6) invalid_url();
    out.host = literal;
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') invalid_url();
      port_text = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (host.empty()) invalid_url();
    for (const char c : host) {
      // No '@': user info has no use for a tracker and hides the real host from a reader.
      if (!is_alnum(c) && c != '-' && c != '.' && c != '_' && c != '~') invalid_url();
    }
    out.host = host;
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  out.port = parse_port(port_text);

  if (target.empty()) {
    out.target = "/";
  } else if (target.front() == '?') {
    out.target = "/" + std::string(target);
  } else {
    out.target = target;
  }
  if (!valid_target(out.target)) invalid_url();
  return out;
}

asio::awaitable<HttpGetResponse> http_get(std::string url, HttpGetOptions options) {
  const Clock::time_point deadline = Clock::now() + options.timeout;
  for (const char c : options.user_agent) {
    if (c < 0x20 || c == 0x7f) throw HttpError("invalid user agent");
  }
  HttpUrl current = parse_http_url(url);
  for (int redirects = 0;; ++redirects) {
    Reply reply = co_await fetch(current, options, deadline);
    if (!is_redirect(reply.status) || reply.location.empty()) {
      co_return HttpGetResponse{reply.status, std::move(reply.body)};
    }
    if (redirects >= options.max_redirects) {
      throw HttpError("too many redirects (max " + std::to_string(options.max_redirects) + ")");
    }
    current = follow_location(current, reply.location);
  }
}

}  // namespace lt::net
