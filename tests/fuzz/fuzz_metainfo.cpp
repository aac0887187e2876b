// Fuzzes the .torrent parser: any input either parses into a consistent Metainfo or throws
// MetainfoError. A parsed torrent's name is one safe path element, its file paths are safe
// relative paths (lt::test::path_violation; pad files without a path get ".pad/<size>"), and
// its geometry adds up.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/metainfo.hpp"
#include "support/path_invariants.hpp"

namespace {

// Aborts with the oracle's reason if `why` is not empty.
void check(const std::string& why, const char* what, std::string_view subject) {
  if (why.empty()) return;
  std::fprintf(stderr, "metainfo invariant broken: %s %s\nsubject (%zu bytes): ", what, why.c_str(),
               subject.size());
  for (const char c : subject)
    std::fprintf(stderr, "%02x", static_cast<unsigned char>(c));
  std::fprintf(stderr, "\n");
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    const lt::Metainfo m = lt::parse_metainfo(input);
    if (m.files.empty() || m.total_size <= 0 || m.piece_length <= 0) std::abort();
    check(lt::test::element_violation(m.name), "name:", m.name);
    std::int64_t total = 0;
    for (const lt::FileEntry& f : m.files) {
      check(lt::test::path_violation(f.path), "file path:", f.path);
      if (!f.symlink_target.empty()) {
        check(lt::test::path_violation(f.symlink_target), "symlink target:", f.symlink_target);
      }
      if (f.size < 0) std::abort();
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
