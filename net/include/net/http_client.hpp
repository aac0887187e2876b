#pragma once
// A minimal HTTP/1.1 GET client for tracker announces and scrapes, as an Asio C++20 coroutine.
//
// One request per connection (Connection: close): trackers are contacted every few minutes, so
// keeping connections alive would buy nothing and cost state. The whole operation, across
// redirects, runs under one deadline, and the body is capped, so a slow or hostile tracker
// costs at most `timeout` and `max_body`. Plain http only: no TLS stack is linked.
//
// Beast stays out of this header (it is heavy to compile); only the awaitable type is needed.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lt::net {

// A completed exchange. Any status is returned, 404 or 500 included: the caller decides.
// (Named apart from net::HttpResponse, the server's answer type in http_server.hpp.)
struct HttpGetResponse {
  int status = 0;
  std::string body;
};

struct HttpGetOptions {
  // For the whole operation: resolve, connect, write and read, over every redirect.
  std::chrono::milliseconds timeout{15'000};
  std::size_t max_body = std::size_t{4} << 20;
  int max_redirects = 3;
  std::string user_agent = "Like-Torrent/0.1.0";
};

// Why a GET failed, as one line fit for a log or the GUI: "invalid URL", "https trackers are not
// supported", "cannot resolve HOST: ...", "connection refused by HOST:PORT", "timed out after
// 15 s", "reply too large", "too many redirects (max 3)", ...
class HttpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The parts of an http:// URL that a request needs.
struct HttpUrl {
  std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 80;
  std::string target = "/";  // origin-form path and query; the fragment is dropped

  // The Host header value: brackets around IPv6, ":port" unless 80.
  [[nodiscard]] std::string host_header() const;
  // "host:port" (IPv6 in brackets), for error messages.
  [[nodiscard]] std::string authority() const;
};

// Parses http://host[:port][/path][?query][#fragment]; the scheme in any case, host a DNS name
// (letters, digits, - . _ ~), a dotted IPv4 address or a bracketed IPv6 literal (no zone), port
// 1-65535 (empty means 80). Rejected with HttpError: https ("https trackers are not supported"),
// any other scheme, user info ("user@host"), and anything that could not go verbatim into a
// request line (spaces, control characters, non-ASCII bytes: "invalid URL").
[[nodiscard]] HttpUrl parse_http_url(std::string_view url);

// GETs url on the calling coroutine's executor. 301, 302, 303, 307 and 308 with a Location are
// followed to http URLs (absolute, scheme-relative, or relative to the current URL) up to
// options.max_redirects times. Chunked bodies and bodies ending at EOF are accepted. Throws
// HttpError; if the caller's coroutine is cancelled, every pending operation is cancelled and
// boost::system::system_error (operation_aborted) is thrown. A DNS lookup cannot be interrupted:
// on timeout or cancellation it is abandoned and finishes in the background.
[[nodiscard]] boost::asio::awaitable<HttpGetResponse> http_get(std::string url,
                                                               HttpGetOptions options = {});

}  // namespace lt::net
