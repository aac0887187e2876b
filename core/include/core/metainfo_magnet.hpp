#pragma once
// The magnet link for a parsed torrent (what `liketorrent magnet` prints and the GUI copies).

#include <string>

#include "core/magnet.hpp"
#include "core/metainfo.hpp"

namespace lt {

// xt = the info-hash, dn = the name, xl = the total size, tr = every tracker of every tier.
[[nodiscard]] MagnetLink magnet_link_for(const Metainfo& metainfo);
[[nodiscard]] std::string magnet_uri_for(const Metainfo& metainfo);

}  // namespace lt
