// The libtorrent test-torrent corpus (tests/data/libtorrent-test-torrents, see its README):
// every file loads or is refused as the README says. v2-only torrents are refused with
// v2_not_supported until BEP 52 support exists.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/metainfo.hpp"
#include "support/path_invariants.hpp"

namespace lt {
namespace {

const std::filesystem::path kCorpus =
    std::filesystem::path(LT_TEST_DATA) / "libtorrent-test-torrents";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Metainfo load(const std::string& name) {
  return parse_metainfo(read_file(kCorpus / name));
}

// The name is one path element; file paths are '/'-joined relative paths (pad files without a
// path get ".pad/<size>"). Symlink targets are not checked here.
void expect_safe(const Metainfo& m) {
  EXPECT_EQ(lt::test::element_violation(m.name), "") << "name " << m.name;
  std::set<std::string> seen;
  for (const FileEntry& f : m.files) {
    EXPECT_EQ(lt::test::path_violation(f.path), "") << f.path;
    EXPECT_TRUE(seen.insert(f.path).second) << "duplicate " << f.path;
  }
}

const char* const kMustLoad[] = {
    "base.torrent",
    "single_multi_file.torrent",
    "unordered.torrent",
    "empty_path.torrent",
    "empty_path_multi.torrent",
    "parent_path.torrent",
    "hidden_parent_path.torrent",
    "slash_path.torrent",
    "slash_path2.torrent",
    "slash_path3.torrent",
    "backslash_path.torrent",
    "absolute_filename.torrent",
    "invalid_filename.torrent",
    "invalid_filename2.torrent",
    "invalid_directory_name.torrent",
    "duplicate_files.torrent",
    "invalid_name2.torrent",
    "invalid_name3.torrent",
    "long_name.torrent",
    "whitespace_url.torrent",
    "url_list.torrent",
    "url_list2.torrent",
    "url_list3.torrent",
    "httpseed.torrent",
    "empty_httpseed.torrent",
    "url_seed.torrent",
    "url_seed_multi.torrent",
    "url_seed_multi_single_file.torrent",
    "url_seed_multi_space.torrent",
    "url_seed_multi_space_nolist.torrent",
    "duplicate_web_seeds.torrent",
    "pad_file.torrent",
    "pad_file_no_path.torrent",
    "creation_date.torrent",
    "no_creation_date.torrent",
    "symlink1.torrent",
    "symlink2.torrent",
    "symlink_zero_size.torrent",
    "symlink_filtered_path.torrent",
    "overlapping_symlinks.torrent",
    "large.torrent",
    "large_piece_size.torrent",
    "similar.torrent",
    "similar2.torrent",
    "collection.torrent",
    "collection2.torrent",
    "dht_nodes.torrent",
    "v2.torrent",
    "v2_multipiece_file.torrent",
    "v2_hybrid.torrent",
    "empty-files-1.torrent",
    "empty-files-2.torrent",
    "empty-files-3.torrent",
    "empty-files-4.torrent",
    "empty-files-5.torrent",
    "sample.torrent",
    "v2_empty_file.torrent",
    "v2_hybrid-missing-tailpad.torrent",
    "mutable_test_torrents/test1.torrent",
    "mutable_test_torrents/test1_pad_files.torrent",
    "mutable_test_torrents/test1_single.torrent",
    "mutable_test_torrents/test1_single_padded.torrent",
    "mutable_test_torrents/test2.torrent",
    "mutable_test_torrents/test2_pad_files.torrent",
    "mutable_test_torrents/test3.torrent",
    "mutable_test_torrents/test3_pad_files.torrent",
    "bench-torrents/base-v1.torrent",
    "bench-torrents/many-pad-files.torrent",
};

// Listed as "loads" upstream, but v2-only: refused with a clear "not supported".
const char* const kV2Only[] = {
    "v2_only.torrent",
    "v2_multiple_files.torrent",
    "v2_invalid_filename.torrent",
    "v2_invalid_filename2.torrent",
    "v2_symlinks.torrent",
    "v2_no_piece_layers.torrent",
    "v2_incomplete_piece_layer.torrent",
    "bench-torrents/base-v2.torrent",
    "v2_invalid_root_hash.torrent",
};

const std::map<std::string, MetainfoErrc> kMustFail = {
    {"string.torrent", MetainfoErrc::not_a_dictionary},
    {"invalid_info.torrent", MetainfoErrc::missing_info},
    {"missing_piece_len.torrent", MetainfoErrc::invalid_piece_length},
    {"invalid_piece_len.torrent", MetainfoErrc::invalid_piece_length},
    {"negative_piece_len.torrent", MetainfoErrc::invalid_piece_length},
    {"v2_no_power2_piece.torrent", MetainfoErrc::v2_not_supported},
    {"v2_piece_size.torrent", MetainfoErrc::v2_not_supported},
    {"no_name.torrent", MetainfoErrc::missing_name},
    {"invalid_name.torrent", MetainfoErrc::missing_name},
    {"bad_name.torrent", MetainfoErrc::not_bencode},  // its trailing junk fails first
    {"missing_path_list.torrent", MetainfoErrc::missing_name},
    {"invalid_path_list.torrent", MetainfoErrc::invalid_name},
    {"invalid_symlink.torrent", MetainfoErrc::invalid_name},
    {"negative_size.torrent", MetainfoErrc::invalid_length},
    {"negative_file_size.torrent", MetainfoErrc::invalid_length},
    {"invalid_file_size.torrent", MetainfoErrc::invalid_length},
    {"zero.torrent", MetainfoErrc::invalid_length},
    {"zero2.torrent", MetainfoErrc::invalid_length},
    {"v2_large_file.torrent", MetainfoErrc::v2_not_supported},
    {"invalid_pieces.torrent", MetainfoErrc::missing_pieces},
    {"unaligned_pieces.torrent", MetainfoErrc::invalid_hashes},
    {"many_pieces.torrent", MetainfoErrc::too_many_pieces},
    {"v2_large_offset.torrent", MetainfoErrc::v2_not_supported},
    {"no_files.torrent", MetainfoErrc::no_files},
    {"duplicate_files2.torrent", MetainfoErrc::too_many_duplicate_names},
    {"v2_deep_recursion.torrent", MetainfoErrc::not_bencode},
    {"v2_unordered_files.torrent", MetainfoErrc::v2_not_supported},
    {"v2_overlong_integer.torrent", MetainfoErrc::not_bencode},
    {"v2_invalid_file.torrent", MetainfoErrc::inconsistent_files},
    {"v2_empty_filename.torrent", MetainfoErrc::not_bencode},  // trailing junk
    {"v2_mismatching_metadata.torrent", MetainfoErrc::inconsistent_files},
    {"v2_bad_file_alignment.torrent", MetainfoErrc::inconsistent_files},
    {"v2_missing_file_root_invalid_symlink.torrent", MetainfoErrc::v2_not_supported},
    {"v2_zero_root.torrent", MetainfoErrc::v2_not_supported},
    {"v2_zero_root_small.torrent", MetainfoErrc::v2_not_supported},
    {"v2_invalid_pad_file.torrent", MetainfoErrc::v2_not_supported},
    {"v2_invalid_piece_layer.torrent", MetainfoErrc::v2_not_supported},
    {"v2_non_multiple_piece_layer.torrent", MetainfoErrc::v2_not_supported},
    {"v2_invalid_piece_layer_size.torrent", MetainfoErrc::v2_not_supported},
    {"v2_piece_layer_invalid_file_hash.torrent", MetainfoErrc::v2_not_supported},
    {"v2_unknown_piece_layer_entry.torrent", MetainfoErrc::v2_not_supported},
    {"v2_invalid_piece_layer_root.torrent", MetainfoErrc::v2_not_supported},
};

class MustLoad : public ::testing::TestWithParam<const char*> {};
TEST_P(MustLoad, ParsesWithSafePaths) {
  const Metainfo m = load(GetParam());
  expect_safe(m);
  EXPECT_GT(m.total_size, 0);
  EXPECT_EQ(m.layout().num_pieces(), m.num_pieces());
  EXPECT_LE(m.piece_length, kMaxPieceLength);
}
INSTANTIATE_TEST_SUITE_P(Corpus, MustLoad, ::testing::ValuesIn(kMustLoad));

class V2Only : public ::testing::TestWithParam<const char*> {};
TEST_P(V2Only, RefusedAsNotSupported) {
  try {
    (void)load(GetParam());
    FAIL() << "loaded";
  } catch (const MetainfoError& e) {
    EXPECT_EQ(e.code(), MetainfoErrc::v2_not_supported) << e.what();
    EXPECT_NE(std::string(e.what()).find("not supported"), std::string::npos);
  }
}
INSTANTIATE_TEST_SUITE_P(Corpus, V2Only, ::testing::ValuesIn(kV2Only));

TEST(MetainfoCorpus, MustFailWithTheDocumentedError) {
  for (const auto& [file, code] : kMustFail) {
    try {
      (void)load(file);
      ADD_FAILURE() << file << " loaded";
    } catch (const MetainfoError& e) {
      EXPECT_EQ(e.code(), code) << file << ": " << e.what();
    }
  }
}

TEST(MetainfoCorpus, EveryFileIsCovered) {
  std::set<std::string> listed(std::begin(kMustLoad), std::end(kMustLoad));
  listed.insert(std::begin(kV2Only), std::end(kV2Only));
  for (const auto& [file, code] : kMustFail)
    listed.insert(file);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kCorpus)) {
    if (entry.path().extension() != ".torrent") continue;
    const std::string rel = entry.path().lexically_relative(kCorpus).generic_string();
    EXPECT_TRUE(listed.count(rel)) << rel << " is not in any table";
  }
}

TEST(MetainfoCorpus, InfoHashesMatchLibtorrent) {
  // Values printed by python3-libtorrent 2.0.8 (info_hashes().v1) for the same files.
  EXPECT_EQ(load("base.torrent").info_hash.hex(), "c0fda1edafdbdbb96443424e0b3899af7159d10e");
  EXPECT_EQ(load("unordered.torrent").info_hash.hex(), "1e44709a0ec082a6a5ea4837e450ae08d3f4394e");
  EXPECT_EQ(load("sample.torrent").info_hash.hex(), "58d8d15a4eb3bd9afabc9cee2564f78192777edb");
  EXPECT_EQ(load("large.torrent").info_hash.hex(), "c415e173dcc3069a96e6f852a684fffae97e5372");
  EXPECT_EQ(load("v2.torrent").info_hash.hex(), "c14199bbec64d0e9e439aa3b6b7639e666b86eca");
  EXPECT_EQ(load("v2_hybrid.torrent").info_hash.hex(), "514c76c1f27ec61ca8b37851bcd1cbf0b26cf120");
}

TEST(MetainfoCorpus, SizesAndCountsMatchLibtorrent) {
  const Metainfo large = load("large.torrent");
  EXPECT_EQ(large.total_size, 5242880000);
  EXPECT_EQ(large.num_pieces(), 5000);
  const Metainfo hybrid = load("v2_hybrid.torrent");
  EXPECT_EQ(hybrid.total_size, 899153920);
  EXPECT_EQ(hybrid.num_pieces(), 1715);
  EXPECT_EQ(hybrid.files.size(), 18u);
  EXPECT_EQ(load("large_piece_size.torrent").piece_length, 536854528);
}

TEST(MetainfoCorpus, UnsortedKeysWarn) {
  EXPECT_FALSE(load("unordered.torrent").warnings.empty());
}

TEST(MetainfoCorpus, HostileNamesStayInside) {
  EXPECT_EQ(load("invalid_name2.torrent").name, "b61560c2918f463768cd122b6d2fdd47b77bdb35");
  EXPECT_EQ(load("slash_path3.torrent").name.find(".."), std::string::npos);
  const Metainfo parent = load("parent_path.torrent");
  EXPECT_EQ(parent.files.at(0).path, "bar");
  const Metainfo absolute = load("absolute_filename.torrent");
  ASSERT_EQ(absolute.files.size(), 2u);
  EXPECT_EQ(absolute.files[1].path, "foobar");
}

TEST(MetainfoCorpus, DuplicatesAreRenamedDeterministically) {
  const Metainfo m = load("duplicate_files.torrent");
  ASSERT_EQ(m.files.size(), 2u);
  EXPECT_EQ(m.files[0].path, "foo/bar.txt");
  EXPECT_EQ(m.files[1].path, "foo/bar.1.txt");
  EXPECT_EQ(m.renamed_files, 1u);
  const Metainfo dirs = load("invalid_directory_name.torrent");
  ASSERT_EQ(dirs.files.size(), 2u);
  EXPECT_NE(dirs.files[0].path, dirs.files[1].path);
}

TEST(MetainfoCorpus, TrackersAndWebSeedsAreNormalised) {
  EXPECT_EQ(load("whitespace_url.torrent").trackers,
            (std::vector<std::vector<std::string>>{{"udp://test.com/announce"}}));
  EXPECT_EQ(load("url_seed.torrent").web_seeds, std::vector<std::string>{"http://test.com/file"});
  EXPECT_EQ(load("url_seed_multi.torrent").web_seeds,
            std::vector<std::string>{"http://test.com/file/"});
  EXPECT_EQ(load("url_seed_multi_space.torrent").web_seeds,
            std::vector<std::string>{"http://test.com/test%20file/foo%20bar/"});
  EXPECT_EQ(load("duplicate_web_seeds.torrent").web_seeds.size(), 3u);
  EXPECT_TRUE(load("url_list.torrent").web_seeds.empty());
}

TEST(MetainfoCorpus, PadFilesAndDates) {
  const Metainfo pad = load("pad_file.torrent");
  ASSERT_EQ(pad.files.size(), 2u);
  EXPECT_FALSE(pad.files[0].pad);
  EXPECT_TRUE(pad.files[1].pad);
  const Metainfo no_path = load("pad_file_no_path.torrent");
  ASSERT_EQ(no_path.files.size(), 2u);
  EXPECT_EQ(no_path.files[1].path, ".pad/2124");
  EXPECT_EQ(load("creation_date.torrent").creation_date, 1234567);
  EXPECT_FALSE(load("no_creation_date.torrent").creation_date.has_value());
  EXPECT_EQ(load("dht_nodes.torrent").dht_nodes.size(), 2u);
}

TEST(MetainfoCorpus, SymlinksKeepSafeTargets) {
  const Metainfo m = load("symlink1.torrent");
  ASSERT_EQ(m.files.size(), 2u);
  bool found = false;
  for (const FileEntry& f : m.files) {
    if (!f.symlink_target.empty()) {
      EXPECT_EQ(f.symlink_target, "a/b/bar");
      EXPECT_EQ(f.size, 0);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace lt
