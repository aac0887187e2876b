#pragma once
// Text from torrents (names, comments) shown in the tracker's HTML index: escaped so that no
// torrent can inject markup or script, and kept valid UTF-8.

#include <string>
#include <string_view>

namespace lt {

// Escapes & < > " ' and replaces bytes that are not UTF-8 (and controls) with U+FFFD.
[[nodiscard]] std::string html_escape(std::string_view text);

}  // namespace lt
