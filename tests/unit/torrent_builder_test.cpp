#include "core/torrent_builder.hpp"

#include <gtest/gtest.h>

#include "core/metainfo.hpp"

namespace lt {
namespace {

TEST(TorrentBuilder, AutoPieceLengthAimsAtAFewThousandPieces) {
  EXPECT_EQ(auto_piece_length(1), 16 * 1024);
  EXPECT_EQ(auto_piece_length(10 * 1024 * 1024), 16 * 1024);
  EXPECT_EQ(auto_piece_length(2LL << 30), 2 << 20);   // 2 GiB -> 1024 pieces of 2 MiB
  EXPECT_EQ(auto_piece_length(1LL << 50), 16 << 20);  // capped
  for (std::int64_t size = 1; size < (1LL << 40); size *= 3) {
    const std::int64_t p = auto_piece_length(size);
    EXPECT_TRUE(is_valid_create_piece_length(p));
    if (p > 16 * 1024 && p < 16 * 1024 * 1024) {
      EXPECT_LE(size / p, 2000);
    }
  }
}

TEST(TorrentBuilder, ValidCreatePieceLengths) {
  EXPECT_TRUE(is_valid_create_piece_length(16384));
  EXPECT_TRUE(is_valid_create_piece_length(64 << 20));
  EXPECT_FALSE(is_valid_create_piece_length(8192));
  EXPECT_FALSE(is_valid_create_piece_length(3 * 16384));
  EXPECT_FALSE(is_valid_create_piece_length(128 << 20));
}

TEST(TorrentBuilder, SingleFileRoundTripsThroughTheParser) {
  TorrentOptions o;
  o.trackers = {{"http://127.0.0.1:8000/announce"}};
  o.comment = "hello";
  o.created_by = "Like-Torrent/test";
  o.creation_date = 1700000000;
  o.is_private = true;
  const std::string hashes(40, 'x');
  const BuiltTorrent t = build_torrent("file.bin", false, {{{}, 20000, false}}, 16384, hashes, o);
  const Metainfo m = parse_metainfo(t.bytes);
  EXPECT_EQ(m.info_hash, t.info_hash);
  EXPECT_EQ(m.name, "file.bin");
  EXPECT_FALSE(m.multi_file);
  EXPECT_EQ(m.total_size, 20000);
  EXPECT_EQ(m.num_pieces(), 2);
  EXPECT_TRUE(m.is_private);
  EXPECT_EQ(m.comment, "hello");
  EXPECT_EQ(m.created_by, "Like-Torrent/test");
  EXPECT_EQ(m.creation_date, 1700000000);
  EXPECT_EQ(m.trackers, o.trackers);
  EXPECT_TRUE(m.warnings.empty());                              // canonical: sorted keys
  EXPECT_EQ(t.bytes.find("announce-list"), std::string::npos);  // one tracker: announce only
}

TEST(TorrentBuilder, MultiFileWithTiersAndWebSeeds) {
  TorrentOptions o;
  o.trackers = {{"http://a/announce", "http://b/announce"}, {"udp://c:80"}};
  o.web_seeds = {"http://seed.example/files/"};
  const std::vector<BuildFile> files = {{{"dir", "a.txt"}, 5, false}, {{"empty"}, 0, false}};
  const BuiltTorrent t = build_torrent("root", true, files, 16384, std::string(20, 'h'), o);
  const Metainfo m = parse_metainfo(t.bytes);
  EXPECT_TRUE(m.multi_file);
  ASSERT_EQ(m.files.size(), 2u);
  EXPECT_EQ(m.files[0].path, "dir/a.txt");
  EXPECT_EQ(m.files[1].path, "empty");
  EXPECT_EQ(m.files[1].size, 0);
  EXPECT_EQ(m.trackers, o.trackers);
  EXPECT_EQ(m.web_seeds, o.web_seeds);
  EXPECT_FALSE(m.is_private);
}

TEST(TorrentBuilder, CommentThatLooksLikeBencodeDoesNotConfuseTheInfoHash) {
  TorrentOptions o;
  o.comment = "4:infoi0e";
  const BuiltTorrent t =
      build_torrent("x", false, {{{}, 1, false}}, 16384, std::string(20, 'h'), o);
  EXPECT_EQ(parse_metainfo(t.bytes).info_hash, t.info_hash);
}

}  // namespace
}  // namespace lt
