// Fuzzes the bencode decoder: any input either decodes or throws DecodeError with an offset
// inside the input; a decoded value re-encodes to bytes that decode to the same encoding.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/bencode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    const lt::bencode::Document doc = lt::bencode::decode(input);
    // Raw spans cover the input exactly.
    if (doc.root.raw() != input) std::abort();
    const std::string again = lt::bencode::encode(doc.root);
    const lt::bencode::Document doc2 = lt::bencode::decode(again);
    if (lt::bencode::encode(doc2.root) != again) std::abort();
    // Without warnings (sorted, unique keys) the input is canonical: re-encoding is identity.
    if (doc.warnings.empty() && again != input) std::abort();
  } catch (const lt::bencode::DecodeError& e) {
    if (e.offset() > size) std::abort();
  }
  return 0;
}
