// net::create_torrent in-process: real files in a sandbox folder, hashes checked against an
// independent SHA-1 of the concatenated bytes.
#include "net/torrent_creator.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/metainfo.hpp"
#include "support/temp_dir.hpp"

namespace lt::net {
namespace {
namespace fs = std::filesystem;

class TorrentCreator : public ::testing::Test {
 protected:
  // Writes `size` deterministic pseudo-random bytes and returns them.
  std::string write(const fs::path& rel, std::size_t size, unsigned seed) {
    std::mt19937 gen(seed);
    std::string data(size, '\0');
    for (char& c : data)
      c = static_cast<char>(gen() & 0xff);
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary)
        .write(data.data(), static_cast<std::streamsize>(size));
    return data;
  }

  test::TempDir sandbox_{"lt-creator"};
  fs::path root_ = sandbox_.path();
};

TEST_F(TorrentCreator, FolderHashesMatchTheConcatenatedFilesWhateverTheThreadCount) {
  // Sorted by path: a/one (40000), a/zero (0), b.bin (70001).
  const std::string one = write("src/a/one", 40000, 1);
  write("src/a/zero", 0, 2);
  const std::string b = write("src/b.bin", 70001, 3);
  const std::string all = one + b;

  CreateRequest request;
  request.inputs = {root_ / "src"};
  request.piece_length = 16384;
  request.options.trackers = {{"http://127.0.0.1:8000/announce"}};
  std::int64_t last_progress = -1;
  request.threads = 1;
  const CreatedTorrent single = create_torrent(request, [&](std::int64_t done, std::int64_t total) {
    EXPECT_GE(done, last_progress);
    EXPECT_EQ(total, 110001);
    last_progress = done;
  });
  EXPECT_EQ(last_progress, 110001);
  request.threads = 3;
  const CreatedTorrent multi = create_torrent(request);
  EXPECT_EQ(single.torrent.bytes, multi.torrent.bytes);

  const Metainfo m = parse_metainfo(single.torrent.bytes);
  EXPECT_EQ(m.name, "src");
  ASSERT_EQ(m.files.size(), 3u);
  EXPECT_EQ(m.files[0].path, "a/one");
  EXPECT_EQ(m.files[1].path, "a/zero");
  EXPECT_EQ(m.files[2].path, "b.bin");
  ASSERT_EQ(m.num_pieces(), 7);
  for (std::int32_t p = 0; p < m.num_pieces(); ++p) {
    const std::string piece = all.substr(static_cast<std::size_t>(p) * 16384, 16384);
    EXPECT_EQ(m.piece_hash(PieceIndex(p)), Sha1::digest(piece)) << "piece " << p;
  }
}

TEST_F(TorrentCreator, SingleFileAndSeveralPaths) {
  write("x.txt", 5, 4);
  write("dir/y.txt", 7, 5);
  CreateRequest single;
  single.inputs = {root_ / "x.txt"};
  const CreatedTorrent s = create_torrent(single);
  EXPECT_EQ(s.name, "x.txt");
  EXPECT_FALSE(parse_metainfo(s.torrent.bytes).multi_file);
  EXPECT_EQ(s.piece_length, 16384);  // auto: the smallest size

  CreateRequest several;
  several.inputs = {root_ / "x.txt", root_ / "dir"};
  several.name = "both";
  const Metainfo m = parse_metainfo(create_torrent(several).torrent.bytes);
  EXPECT_EQ(m.name, "both");
  ASSERT_EQ(m.files.size(), 2u);
  EXPECT_EQ(m.files[0].path, "dir/y.txt");
  EXPECT_EQ(m.files[1].path, "x.txt");
}

TEST_F(TorrentCreator, BadRequestsAreInputErrors) {
  write("x.txt", 5, 6);
  write("zero/empty", 0, 7);
  fs::create_directories(root_ / "nothing");
  auto fails = [](std::vector<fs::path> inputs, std::string name = {}) {
    CreateRequest r;
    r.inputs = std::move(inputs);
    r.name = std::move(name);
    EXPECT_THROW((void)create_torrent(r), CreateInputError);
  };
  fails({});
  fails({root_ / "missing"});
  fails({root_ / "nothing"});
  fails({root_ / "zero"});
  fails({root_ / "x.txt", root_ / "zero"});  // several paths need a name
  fails({root_ / "x.txt", root_ / "x.txt"}, "n");
  CreateRequest bad_piece;
  bad_piece.inputs = {root_ / "x.txt"};
  bad_piece.piece_length = 1000;
  EXPECT_THROW((void)create_torrent(bad_piece), CreateInputError);
}

}  // namespace
}  // namespace lt::net
