#pragma once
// Conversions between the tracker codec's PeerAddress and Asio endpoints, plus the text form
// used in logs and the peer table. Network-thread helpers; header-only because they are tiny.

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "core/tracker_client_protocol.hpp"
#include "core/tracker_protocol.hpp"

namespace lt::net {

[[nodiscard]] inline boost::asio::ip::tcp::endpoint to_endpoint(const tracker::PeerAddress& a) {
  if (!a.ip.v6) {
    boost::asio::ip::address_v4::bytes_type b{a.ip.bytes[0], a.ip.bytes[1], a.ip.bytes[2],
                                              a.ip.bytes[3]};
    return {boost::asio::ip::address_v4(b), a.port};
  }
  boost::asio::ip::address_v6::bytes_type b{};
  for (std::size_t i = 0; i < b.size(); ++i)
    b[i] = a.ip.bytes[i];
  return {boost::asio::ip::address_v6(b), a.port};
}

// IPv4-mapped IPv6 addresses (dual-stack sockets) become plain IPv4.
[[nodiscard]] inline tracker::PeerAddress from_endpoint(const boost::asio::ip::tcp::endpoint& e) {
  tracker::PeerAddress a;
  a.port = e.port();
  boost::asio::ip::address address = e.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  if (address.is_v4()) {
    const auto b = address.to_v4().to_bytes();
    for (std::size_t i = 0; i < b.size(); ++i)
      a.ip.bytes[i] = b[i];
  } else {
    const auto b = address.to_v6().to_bytes();
    for (std::size_t i = 0; i < b.size(); ++i)
      a.ip.bytes[i] = b[i];
    a.ip.v6 = true;
  }
  return a;
}

// "1.2.3.4:6881" or "[::1]:6881".
[[nodiscard]] inline std::string to_string(const tracker::PeerAddress& a) {
  std::string ip = tracker::format_ip(a.ip);
  return a.ip.v6 ? "[" + ip + "]:" + std::to_string(a.port) : ip + ":" + std::to_string(a.port);
}

// Strict weak order for maps of addresses.
[[nodiscard]] inline bool address_less(const tracker::PeerAddress& a,
                                       const tracker::PeerAddress& b) {
  if (a.ip.v6 != b.ip.v6) return a.ip.v6 < b.ip.v6;
  if (a.ip.bytes != b.ip.bytes) return a.ip.bytes < b.ip.bytes;
  return a.port < b.port;
}

}  // namespace lt::net
