// Fuzzes the .torrent parser: any input either parses into a consistent Metainfo or throws
// MetainfoError. A parsed torrent's paths never escape its root and its geometry adds up.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/metainfo.hpp"

namespace {

bool path_is_safe(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\\') != std::string_view::npos)
    return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view element = path.substr(start, end - start);
    if (element.empty() || element == "." || element == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    const lt::Metainfo m = lt::parse_metainfo(input);
    if (m.files.empty() || m.total_size <= 0 || m.piece_length <= 0) std::abort();
    if (!path_is_safe(m.name) || m.name.find('/') != std::string::npos) std::abort();
    std::int64_t total = 0;
    for (const lt::FileEntry& f : m.files) {
      if (!path_is_safe(f.path) || f.size < 0) std::abort();
      total += f.size;
    }
    if (total != m.total_size) std::abort();
    const lt::FileLayout layout = m.layout();
    if (layout.num_pieces() != m.num_pieces()) std::abort();
    // Every piece's spans add up to the piece size.
    const lt::PieceIndex last(m.num_pieces() - 1);
    std::int64_t sum = 0;
    for (const lt::FileSpan& s : layout.piece_spans(last))
      sum += s.length;
    if (sum != layout.piece_size(last)) std::abort();
  } catch (const lt::MetainfoError&) {
  }
  return 0;
}
