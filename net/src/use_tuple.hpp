#pragma once
// The completion token for waits whose error is an expected outcome (a peer closing its
// socket, a cancelled timer): `co_await op(kUseTuple)` yields (error_code, ...) instead of
// throwing, so ordinary endings stay ordinary control flow.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace lt::net {

inline constexpr auto kUseTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace lt::net
