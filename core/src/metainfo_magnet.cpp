#include "core/metainfo_magnet.hpp"

namespace lt {

MagnetLink magnet_link_for(const Metainfo& metainfo) {
  MagnetLink link;
  link.info_hash = metainfo.info_hash;
  link.display_name = metainfo.name;
  link.exact_length = metainfo.total_size;
  for (const auto& tier : metainfo.trackers) {
    for (const std::string& url : tier)
      link.trackers.push_back(url);
  }
  return link;
}

std::string magnet_uri_for(const Metainfo& metainfo) {
  return make_magnet(magnet_link_for(metainfo));
}

}  // namespace lt
