// Hand-made hostile and edge-case torrents for the metainfo parser (the corpus test covers
// libtorrent's fixtures).
#include "core/metainfo.hpp"

#include <gtest/gtest.h>

#include "core/bencode.hpp"
#include "core/path_sanitize.hpp"

namespace lt {
namespace {

using bencode::Value;

Value single_file_info(std::int64_t length = 100, std::int64_t piece_length = 16384) {
  Value info = Value::dict();
  info["name"] = "file.bin";
  info["length"] = length;
  info["piece length"] = piece_length;
  const std::int64_t pieces = length > 0 && piece_length > 0 ? (length - 1) / piece_length + 1 : 1;
  info["pieces"] = std::string(static_cast<std::size_t>(pieces) * 20, 'h');
  return info;
}

Value multi_file_info(std::vector<std::vector<std::string>> paths, std::int64_t size = 10) {
  Value info = Value::dict();
  info["name"] = "root";
  info["piece length"] = 16384;
  Value files = Value::list();
  for (const auto& p : paths) {
    Value entry = Value::dict();
    entry["length"] = size;
    Value list = Value::list();
    for (const auto& e : p)
      list.push_back(e);
    entry["path"] = std::move(list);
    files.push_back(std::move(entry));
  }
  info["files"] = std::move(files);
  const std::int64_t total = size * static_cast<std::int64_t>(paths.size());
  info["pieces"] = std::string(static_cast<std::size_t>((total - 1) / 16384 + 1) * 20, 'h');
  return info;
}

std::string torrent(Value info) {
  Value root = Value::dict();
  root["announce"] = "http://127.0.0.1:8000/announce";
  root["info"] = std::move(info);
  return root.encode();
}

MetainfoErrc error_of(const std::string& bytes) {
  try {
    (void)parse_metainfo(bytes);
  } catch (const MetainfoError& e) {
    return e.code();
  }
  ADD_FAILURE() << "parsed";
  return MetainfoErrc::too_large;
}

TEST(Metainfo, ParsesAMinimalTorrent) {
  const Metainfo m = parse_metainfo(torrent(single_file_info()));
  EXPECT_EQ(m.name, "file.bin");
  EXPECT_EQ(m.total_size, 100);
  EXPECT_EQ(m.num_pieces(), 1);
  EXPECT_EQ(m.trackers.size(), 1u);
  EXPECT_FALSE(m.multi_file);
  EXPECT_EQ(m.info_bytes.front(), 'd');
}

TEST(Metainfo, InfoHashCoversTheOriginalBytesEvenWhenUnsorted) {
  // "name" before "length": a re-encoding would sort them and change the hash.
  const std::string info =
      "d4:name1:x6:lengthi5e12:piece lengthi16384e6:pieces20:" + std::string(20, 'h') + "e";
  const std::string bytes = "d4:info" + info + "e";
  const Metainfo m = parse_metainfo(bytes);
  EXPECT_EQ(m.info_hash, Sha1::digest(info));
  EXPECT_FALSE(m.warnings.empty());
}

TEST(Metainfo, RejectsBadPieceLengths) {
  EXPECT_EQ(error_of(torrent(single_file_info(100, 0))), MetainfoErrc::invalid_piece_length);
  EXPECT_EQ(error_of(torrent(single_file_info(100, -16384))), MetainfoErrc::invalid_piece_length);
  EXPECT_EQ(error_of(torrent(single_file_info(100, 16385))), MetainfoErrc::invalid_piece_length);
  EXPECT_EQ(error_of(torrent(single_file_info(100, kMaxPieceLength + 16384))),
            MetainfoErrc::invalid_piece_length);
  // Small powers of two (old torrents) and block multiples are accepted.
  EXPECT_NO_THROW((void)parse_metainfo(torrent(single_file_info(100, 4096))));
  EXPECT_NO_THROW((void)parse_metainfo(torrent(single_file_info(100, 3 * 16384))));
}

TEST(Metainfo, RejectsHashMismatches) {
  Value info = single_file_info(100000);
  info["pieces"] = std::string(20, 'h');  // needs 7
  EXPECT_EQ(error_of(torrent(std::move(info))), MetainfoErrc::invalid_hashes);
  Value odd = single_file_info();
  odd["pieces"] = std::string(21, 'h');
  EXPECT_EQ(error_of(torrent(std::move(odd))), MetainfoErrc::invalid_hashes);
}

TEST(Metainfo, HugeSizesAreRefusedBeforeAllocation) {
  Value info = single_file_info();
  info["length"] = std::int64_t{1} << 60;
  EXPECT_EQ(error_of(torrent(std::move(info))), MetainfoErrc::too_many_pieces);
  Value overflow = multi_file_info({{"a"}, {"b"}});
  // Two files of INT64_MAX overflow the total.
  Value files = Value::list();
  for (int i = 0; i < 2; ++i) {
    Value e = Value::dict();
    e["length"] = INT64_MAX;
    Value p = Value::list();
    p.push_back(std::string(1, static_cast<char>('a' + i)));
    e["path"] = std::move(p);
    files.push_back(std::move(e));
  }
  overflow["files"] = std::move(files);
  EXPECT_EQ(error_of(torrent(std::move(overflow))), MetainfoErrc::invalid_length);
}

TEST(Metainfo, FileCountIsCapped) {
  std::vector<std::vector<std::string>> paths;
  for (int i = 0; i < 20; ++i)
    paths.push_back({"f" + std::to_string(i)});
  ParseLimits limits;
  limits.max_files = 10;
  try {
    (void)parse_metainfo(torrent(multi_file_info(paths)), limits);
    FAIL();
  } catch (const MetainfoError& e) {
    EXPECT_EQ(e.code(), MetainfoErrc::too_many_files);
  }
}

TEST(Metainfo, TorrentSizeIsCapped) {
  ParseLimits limits;
  limits.max_torrent_bytes = 10;
  try {
    (void)parse_metainfo(torrent(single_file_info()), limits);
    FAIL();
  } catch (const MetainfoError& e) {
    EXPECT_EQ(e.code(), MetainfoErrc::too_large);
  }
}

TEST(Metainfo, HostilePathsNeverEscapeTheRoot) {
  const Metainfo m = parse_metainfo(torrent(multi_file_info({
      {"..", "..", "etc", "passwd"},
      {"a\\..\\..\\b"},
      {"/abs"},
      {"C:", "win"},
      {std::string("nul\0byte", 8)},
      {"ctl\x1b"
       "esc"},
      {"CON"},
      {"trail. . "},
  })));
  for (const FileEntry& f : m.files) {
    EXPECT_EQ(f.path.find(".."), std::string::npos) << f.path;
    EXPECT_NE(f.path.front(), '/') << f.path;
    EXPECT_EQ(f.path.find('\\'), std::string::npos) << f.path;
    EXPECT_EQ(f.path.find(':'), std::string::npos) << f.path;
    for (const char c : f.path)
      EXPECT_GE(static_cast<unsigned char>(c), 0x20u) << f.path;
  }
  EXPECT_EQ(m.files[0].path, "etc/passwd");
  EXPECT_EQ(m.files[6].path, "CON_");
  EXPECT_EQ(m.files[7].path, "trail");
}

TEST(Metainfo, NameWithSeparatorsBecomesOneElement) {
  Value info = single_file_info();
  info["name"] = "../../evil/name";
  const Metainfo m = parse_metainfo(torrent(std::move(info)));
  EXPECT_EQ(m.name.find('/'), std::string::npos);
  EXPECT_EQ(m.name.find(".."), std::string::npos);
  EXPECT_EQ(m.files.front().path, m.name);
}

TEST(Metainfo, LongNameWithSeparatorsStaysWithinOneElement) {
  // Each piece of a split name is cut to 255 bytes; the joined name must be cut as well.
  Value info = single_file_info();
  info["name"] = std::string(200, 'a') + "/" + std::string(200, 'b') + ".txt";
  const Metainfo m = parse_metainfo(torrent(std::move(info)));
  EXPECT_LE(m.name.size(), kMaxPathElementBytes);
  EXPECT_TRUE(m.name.ends_with(".txt"));
  EXPECT_EQ(m.files.front().path, m.name);
}

TEST(Metainfo, WrongTypesGiveTypedErrors) {
  Value info = single_file_info();
  info["name"] = 5;
  EXPECT_EQ(error_of(torrent(std::move(info))), MetainfoErrc::missing_name);
  Value files = multi_file_info({{"a"}});
  files["files"] = "not a list";
  EXPECT_EQ(error_of(torrent(std::move(files))), MetainfoErrc::no_files);
  EXPECT_EQ(error_of("i5e"), MetainfoErrc::not_a_dictionary);
  EXPECT_EQ(error_of("d4:infoi5ee"), MetainfoErrc::missing_info);
  EXPECT_EQ(error_of("d4:info"), MetainfoErrc::not_bencode);
  EXPECT_EQ(error_of(torrent(single_file_info()) + "junk"), MetainfoErrc::not_bencode);
}

TEST(Metainfo, TrailingNewlineIsTolerated) {
  const Metainfo m = parse_metainfo(torrent(single_file_info()) + "\n");
  EXPECT_FALSE(m.warnings.empty());
}

TEST(Metainfo, AnnounceListWinsOverAnnounceAndIsDeduplicated) {
  Value root = Value::dict();
  root["announce"] = "http://a/announce";
  Value tiers = Value::list();
  Value t1 = Value::list();
  t1.push_back("http://b/announce");
  t1.push_back("http://b/announce");
  t1.push_back(" ");
  Value t2 = Value::list();
  t2.push_back(5);
  tiers.push_back(std::move(t1));
  tiers.push_back(std::move(t2));
  root["announce-list"] = std::move(tiers);
  root["info"] = single_file_info();
  const Metainfo m = parse_metainfo(root.encode());
  EXPECT_EQ(m.trackers, (std::vector<std::vector<std::string>>{{"http://b/announce"}}));
}

TEST(Metainfo, PrivateFlagAndPieceHash) {
  Value info = single_file_info(20000);
  info["private"] = 1;
  info["pieces"] = std::string(20, 'a') + std::string(20, 'b');
  const Metainfo m = parse_metainfo(torrent(std::move(info)));
  EXPECT_TRUE(m.is_private);
  EXPECT_EQ(m.piece_hash(PieceIndex(1)).view(), std::string(20, 'b'));
  EXPECT_THROW((void)m.piece_hash(PieceIndex(2)), std::out_of_range);
}

TEST(Metainfo, PadFilesSharingOnePathAreNotRenamed) {
  // libtorrent names every pad of one size ".pad/N"; 150 of them must not count as duplicates.
  Value info = Value::dict();
  info["name"] = "root";
  info["piece length"] = 16384;
  Value files = Value::list();
  for (int i = 0; i < 150; ++i) {
    Value real = Value::dict();
    real["length"] = 1000;
    Value p = Value::list();
    p.push_back("f" + std::to_string(i));
    real["path"] = std::move(p);
    files.push_back(std::move(real));
    Value pad = Value::dict();
    pad["length"] = 15384;
    pad["attr"] = "p";
    Value pp = Value::list();
    pp.push_back(".pad");
    pp.push_back("15384");
    pad["path"] = std::move(pp);
    files.push_back(std::move(pad));
  }
  info["files"] = std::move(files);
  info["pieces"] = std::string(150 * 20, 'h');
  const Metainfo m = parse_metainfo(torrent(std::move(info)));
  EXPECT_EQ(m.renamed_files, 0u);
  EXPECT_TRUE(m.warnings.empty());
  EXPECT_EQ(m.files[1].path, ".pad/15384");
  EXPECT_EQ(m.files[299].path, ".pad/15384");
}

}  // namespace
}  // namespace lt
