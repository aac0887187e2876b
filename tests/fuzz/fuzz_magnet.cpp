// libFuzzer target: parse_magnet must never crash, hang or leak on any input, and whatever it
// accepts must survive make_magnet -> parse_magnet unchanged.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/magnet.hpp"

namespace {

[[noreturn]] void fail(const char* what, const std::string& rebuilt) {
  std::fprintf(stderr, "magnet round trip mismatch: %s\nrebuilt: %s\n", what, rebuilt.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  lt::MagnetLink link;
  try {
    link = lt::parse_magnet(input);
  } catch (const lt::MagnetError&) {
    return 0;  // malformed input is expected; anything else escaping is a bug
  }

  const std::string rebuilt = lt::make_magnet(link);
  // Encoding can grow a value up to threefold (a raw ':' becomes "%3A"), so a link accepted
  // near the length cap may legitimately rebuild past it.
  if (rebuilt.size() > lt::kMaxMagnetLength) return 0;

  lt::MagnetLink again;
  try {
    again = lt::parse_magnet(rebuilt);
  } catch (const lt::MagnetError& e) {
    fail(e.what(), rebuilt);
  }
  if (again.info_hash != link.info_hash) fail("info-hash", rebuilt);
  if (again.trackers != link.trackers) fail("trackers", rebuilt);
  if (again.display_name != link.display_name) fail("display name", rebuilt);
  if (again.peers != link.peers) fail("peers", rebuilt);
  if (again.web_seeds != link.web_seeds) fail("web seeds", rebuilt);
  if (again.exact_length != link.exact_length) fail("exact length", rebuilt);
  return 0;
}
