// TorrentStorage and FileHandleCache against real files in a sandbox folder: torrents are
// built as bencode over known pseudo-random bytes, then written, read, hashed and removed.
#include "net/torrent_storage.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/bencode.hpp"
#include "core/metainfo.hpp"
#include "core/piece_geometry.hpp"
#include "core/sha1.hpp"
#include "net/file_handle_cache.hpp"

namespace lt::net {
namespace {
namespace fs = std::filesystem;
using bencode::Value;
using Bytes = std::vector<std::uint8_t>;

struct TestFile {
  std::string path;  // '/'-separated below the root folder
  std::int64_t size = 0;
  bool pad = false;
};

// A parsed torrent and the bytes it describes (files end to end, pad files as zeros).
struct TestTorrent {
  Metainfo meta;
  Bytes data;

  [[nodiscard]] std::span<const std::uint8_t> range(std::int64_t offset,
                                                    std::int64_t length) const {
    return std::span(data).subspan(static_cast<std::size_t>(offset),
                                   static_cast<std::size_t>(length));
  }
  [[nodiscard]] std::span<const std::uint8_t> piece(std::int32_t p) const {
    const FileLayout layout = meta.layout();
    return range(layout.piece_offset(PieceIndex(p)), layout.piece_size(PieceIndex(p)));
  }
  [[nodiscard]] std::span<const std::uint8_t> file(std::int32_t f) const {
    const FileLayout layout = meta.layout();
    return range(layout.file_offset(FileIndex(f)), layout.file_size(FileIndex(f)));
  }
  [[nodiscard]] PieceGeometry geometry() const { return {meta.total_size, meta.piece_length}; }
};

TestTorrent make_torrent(const std::vector<TestFile>& files, std::int64_t piece_length,
                         bool multi_file = true, unsigned seed = 1) {
  TestTorrent t;
  std::mt19937 gen(seed);
  Value list = Value::list();
  for (const TestFile& f : files) {
    for (std::int64_t i = 0; i < f.size; ++i) {
      t.data.push_back(f.pad ? 0 : static_cast<std::uint8_t>(gen() & 0xff));
    }
    Value entry = Value::dict();
    entry["length"] = f.size;
    Value path = Value::list();
    std::string_view rest = f.path;
    while (!rest.empty()) {
      const std::size_t slash = rest.find('/');
      path.push_back(std::string(rest.substr(0, slash)));
      rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    }
    entry["path"] = std::move(path);
    if (f.pad) entry["attr"] = "p";
    list.push_back(std::move(entry));
  }
  std::string hashes;
  for (std::size_t at = 0; at < t.data.size(); at += static_cast<std::size_t>(piece_length)) {
    const std::size_t n = std::min(t.data.size() - at, static_cast<std::size_t>(piece_length));
    hashes += Sha1::digest({reinterpret_cast<const char*>(t.data.data() + at), n}).view();
  }
  Value info = Value::dict();
  info["piece length"] = piece_length;
  info["pieces"] = hashes;
  if (multi_file) {
    info["name"] = "root";
    info["files"] = std::move(list);
  } else {
    info["name"] = "single.bin";
    info["length"] = static_cast<std::int64_t>(t.data.size());
  }
  Value root = Value::dict();
  root["info"] = std::move(info);
  t.meta = parse_metainfo(root.encode());
  return t;
}

std::vector<BlockRequest> all_blocks(const TestTorrent& t) {
  const PieceGeometry g = t.geometry();
  std::vector<BlockRequest> out;
  for (std::int32_t p = 0; p < g.num_pieces(); ++p) {
    for (std::int32_t b = 0; b < g.blocks_in_piece(PieceIndex(p)); ++b) {
      out.push_back(g.block(PieceIndex(p), b));
    }
  }
  return out;
}

void write_block(TorrentStorage& s, const TestTorrent& t, const BlockRequest& b) {
  const std::int64_t at = t.meta.layout().piece_offset(b.piece) + b.begin;
  s.write(b, t.range(at, b.length));
}

void write_piece(TorrentStorage& s, const TestTorrent& t, std::int32_t p) {
  const auto bytes = t.piece(p);
  s.write({PieceIndex(p), 0, static_cast<std::int32_t>(bytes.size())}, bytes);
}

Bytes slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool same(const Bytes& a, std::span<const std::uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// Open descriptors of this process (the iterator's own descriptor counts both times).
std::size_t open_fds() {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator("/proc/self/fd"), {}));
}

std::string error_text(const std::function<void()>& f, std::error_code* code = nullptr) {
  try {
    f();
  } catch (const StorageError& e) {
    if (code != nullptr) *code = e.code();
    return e.what();
  }
  return "(no StorageError)";
}

class Storage : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lt-storage-" + std::to_string(std::random_device{}()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir_, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) {
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
      }
    }
    fs::remove_all(dir_, ec);
  }

  fs::path dir_;
};

// Odd sizes, a zero-length file, nested folders and a pad file aligning the next file.
const std::vector<TestFile> kMixedFiles = {
    {"a/b/odd.bin", 40001}, {"a/empty.txt", 0},         {".pad/25535", 25535, true},
    {"c.dat", 70003},       {"a/b/c/deep/tiny.txt", 5}, {"z_last.bin", 12345},
};

TEST_F(Storage, BlocksWrittenInRandomOrderFromTwoThreadsRebuildTheFiles) {
  const TestTorrent t = make_torrent(kMixedFiles, 32768);
  ASSERT_TRUE(t.meta.files[2].pad);
  TorrentStorage s(dir_, t.meta);
  EXPECT_FALSE(s.any_file_exists());

  std::vector<BlockRequest> blocks = all_blocks(t);
  std::shuffle(blocks.begin(), blocks.end(), std::mt19937(7));
  auto writer = [&](std::size_t first) {
    for (std::size_t i = first; i < blocks.size(); i += 2)
      write_block(s, t, blocks[i]);
  };
  std::thread a(writer, 0);
  std::thread b(writer, 1);
  a.join();
  b.join();
  s.flush();

  // Two threads hash while a third reads blocks back.
  std::atomic<int> good{0};
  auto verifier = [&](std::int32_t first) {
    for (std::int32_t p = first; p < t.meta.num_pieces(); p += 2)
      if (s.verify_piece(PieceIndex(p))) ++good;
  };
  std::thread v1(verifier, 0);
  std::thread v2(verifier, 1);
  std::thread reader([&] {
    for (const BlockRequest& r : all_blocks(t)) {
      Bytes out(static_cast<std::size_t>(r.length));
      s.read(r, out);
      const std::int64_t at = t.meta.layout().piece_offset(r.piece) + r.begin;
      EXPECT_TRUE(same(out, t.range(at, r.length)));
    }
  });
  v1.join();
  v2.join();
  reader.join();
  EXPECT_EQ(good.load(), t.meta.num_pieces());

  for (std::int32_t f = 0; f < static_cast<std::int32_t>(kMixedFiles.size()); ++f) {
    const fs::path path = s.file_path(FileIndex(f));
    if (kMixedFiles[static_cast<std::size_t>(f)].pad) {
      EXPECT_FALSE(fs::exists(path)) << path;
      continue;
    }
    ASSERT_TRUE(fs::is_regular_file(path)) << path;
    EXPECT_TRUE(same(slurp(path), t.file(f))) << path;
  }
  EXPECT_EQ(s.file_path(FileIndex(0)), dir_ / "root" / "a" / "b" / "odd.bin");
  EXPECT_FALSE(fs::exists(dir_ / "root" / ".pad"));
  EXPECT_FALSE(fs::exists(s.parts_path()));
  EXPECT_TRUE(s.any_file_exists());
  for (std::int32_t p = 0; p < t.meta.num_pieces(); ++p) {
    EXPECT_EQ(s.check_existing_piece(PieceIndex(p)), std::optional<bool>(true)) << p;
  }
}

TEST_F(Storage, ABlockSpansThreeFilesAroundATinyOne) {
  const TestTorrent t = make_torrent({{"first", 10000}, {"mid", 3}, {"last", 30000}}, 16384);
  TorrentStorage s(dir_, t.meta);
  write_piece(s, t, 0);  // first[0, 10000) + mid[0, 3) + last[0, 6381)

  EXPECT_TRUE(same(slurp(dir_ / "root" / "first"), t.file(0)));
  EXPECT_TRUE(same(slurp(dir_ / "root" / "mid"), t.file(1)));
  const Bytes last = slurp(dir_ / "root" / "last");
  ASSERT_EQ(last.size(), 30000u);  // sized to its final length on the first write
  EXPECT_TRUE(std::equal(last.begin(), last.begin() + 6381, t.file(2).begin()));
  EXPECT_TRUE(std::all_of(last.begin() + 6381, last.end(), [](auto c) { return c == 0; }));

  Bytes out(16384);
  s.read({PieceIndex(0), 0, 16384}, out);
  EXPECT_TRUE(same(out, t.piece(0)));
  Bytes across(20);  // 5 bytes of first, all of mid, 12 of last
  s.read({PieceIndex(0), 9995, 20}, across);
  EXPECT_TRUE(same(across, t.range(9995, 20)));

  EXPECT_TRUE(s.verify_piece(PieceIndex(0)));
  EXPECT_EQ(s.check_existing_piece(PieceIndex(1)), std::optional<bool>(false));  // a hole
  EXPECT_EQ(s.check_existing_piece(PieceIndex(2)), std::optional<bool>(false));
}

TEST_F(Storage, LastShortPieceOfASingleFileTorrent) {
  const TestTorrent t = make_torrent({{"x", 2 * 16384 + 100}}, 16384, /*multi_file=*/false);
  ASSERT_EQ(t.meta.num_pieces(), 3);
  TorrentStorage s(dir_, t.meta);
  EXPECT_EQ(s.root(), dir_);
  write_piece(s, t, 2);
  EXPECT_EQ(fs::file_size(dir_ / "single.bin"), 2u * 16384 + 100);
  EXPECT_TRUE(s.verify_piece(PieceIndex(2)));
  EXPECT_FALSE(s.verify_piece(PieceIndex(0)));
  Bytes out(100);
  s.read({PieceIndex(2), 0, 100}, out);
  EXPECT_TRUE(same(out, t.piece(2)));

  Bytes big(101);
  EXPECT_THROW(s.read({PieceIndex(2), 0, 101}, big), std::invalid_argument);
  EXPECT_THROW(s.write({PieceIndex(2), 1, 100}, t.piece(2)), std::invalid_argument);
  EXPECT_THROW(s.write({PieceIndex(3), 0, 100}, t.piece(2)), std::invalid_argument);
  EXPECT_THROW(s.write({PieceIndex(2), 0, 99}, t.piece(2)), std::invalid_argument);
  EXPECT_THROW((void)s.hash_piece(PieceIndex(3)), std::out_of_range);
}

TEST_F(Storage, SkippedFileIsNeverCreatedButSharedPiecesVerifyAcrossARestart) {
  // A: pieces 0-1, B (skipped): pieces 1-3, C: pieces 3-4.
  const TestTorrent t =
      make_torrent({{"A", 20000}, {"sub/B", 30000}, {"C", 20000}}, 16384, true, 3);
  const std::vector<std::int32_t> wanted_pieces = {0, 1, 3, 4};
  {
    TorrentStorage s(dir_, t.meta);
    s.set_file_wanted(FileIndex(1), false);
    EXPECT_FALSE(s.file_wanted(FileIndex(1)));
    for (const std::int32_t p : wanted_pieces)
      write_piece(s, t, p);
    EXPECT_FALSE(fs::exists(dir_ / "root" / "sub"));
    EXPECT_TRUE(fs::exists(s.parts_path()));
    EXPECT_EQ(s.parts_path(), dir_ / ("." + t.meta.info_hash.hex() + ".parts"));
    for (const std::int32_t p : wanted_pieces)
      EXPECT_TRUE(s.verify_piece(PieceIndex(p))) << p;
    Bytes out(16384);
    s.read({PieceIndex(1), 0, 16384}, out);  // A's tail and B's head
    EXPECT_TRUE(same(out, t.piece(1)));
    EXPECT_EQ(s.check_existing_piece(PieceIndex(2)), std::nullopt);  // only B: never written
    s.flush();
    EXPECT_TRUE(same(slurp(dir_ / "root" / "A"), t.file(0)));
    EXPECT_TRUE(same(slurp(dir_ / "root" / "C"), t.file(2)));
  }

  TorrentStorage s(dir_, t.meta);  // a restart: the parts index brings B's bytes back
  s.set_file_wanted(FileIndex(1), false);
  EXPECT_TRUE(s.any_file_exists());
  for (const std::int32_t p : wanted_pieces) {
    EXPECT_EQ(s.check_existing_piece(PieceIndex(p)), std::optional<bool>(true)) << p;
  }
  EXPECT_EQ(s.check_existing_piece(PieceIndex(2)), std::nullopt);

  // Wanted again: its bytes move into the file with the next write, and the parts file goes.
  s.set_file_wanted(FileIndex(1), true);
  write_piece(s, t, 2);
  EXPECT_TRUE(same(slurp(dir_ / "root" / "sub" / "B"), t.file(1)));
  for (std::int32_t p = 0; p < t.meta.num_pieces(); ++p)
    EXPECT_TRUE(s.verify_piece(PieceIndex(p))) << p;
  s.flush();
  EXPECT_FALSE(fs::exists(s.parts_path()));
  EXPECT_FALSE(fs::exists(fs::path(s.parts_path()) += ".index"));
}

TEST_F(Storage, FileWantedAgainWhileTwoThreadsWriteAndAThirdFlushes) {
  const TestTorrent t = make_torrent({{"A", 30001}, {"B", 50003}, {"C", 20011}}, 16384, true, 6);
  TorrentStorage s(dir_, t.meta);
  s.set_file_wanted(FileIndex(1), false);
  // 1000-byte writes at odd offsets leave the parts record in many pieces for a while.
  std::vector<BlockRequest> chunks;
  const PieceGeometry g = t.geometry();
  for (std::int32_t p = 0; p < g.num_pieces(); ++p) {
    const std::int32_t size = g.piece_size(PieceIndex(p));
    for (std::int32_t at = 0; at < size; at += 1000)
      chunks.push_back({PieceIndex(p), at, std::min(1000, size - at)});
  }
  std::shuffle(chunks.begin(), chunks.end(), std::mt19937(11));
  std::atomic<bool> done{false};
  std::atomic<std::size_t> written{0};
  auto writer = [&](std::size_t first) {
    for (std::size_t i = first; i < chunks.size(); i += 2) {
      write_block(s, t, chunks[i]);
      ++written;
    }
  };
  std::thread flusher([&] {
    while (!done.load())
      s.flush();
  });
  std::thread a(writer, 0);
  std::thread b(writer, 1);
  while (written.load() < chunks.size() / 2)
    std::this_thread::yield();
  s.set_file_wanted(FileIndex(1), true);
  a.join();
  b.join();
  done = true;
  flusher.join();
  s.flush();

  for (std::int32_t p = 0; p < t.meta.num_pieces(); ++p)
    EXPECT_TRUE(s.verify_piece(PieceIndex(p))) << p;
  for (std::int32_t f = 0; f < 3; ++f)
    EXPECT_TRUE(same(slurp(s.file_path(FileIndex(f))), t.file(f))) << f;
  EXPECT_FALSE(fs::exists(s.parts_path()));
}

TEST_F(Storage, WantedFileRewrittenAfterBeingSkippedReadsItsNewestBytes) {
  const TestTorrent t = make_torrent({{"A", 16384}, {"B", 16384}}, 16384, true, 4);
  TorrentStorage s(dir_, t.meta);
  write_piece(s, t, 0);
  s.set_file_wanted(FileIndex(0), false);  // A exists, but is skipped now
  const Bytes zeros(16384, 0);
  s.write({PieceIndex(0), 0, 16384}, zeros);  // goes to the parts file, not into A
  EXPECT_TRUE(same(slurp(dir_ / "root" / "A"), t.file(0)));
  EXPECT_FALSE(s.verify_piece(PieceIndex(0)));  // reads the newest copy: the zeros
  write_piece(s, t, 0);
  EXPECT_TRUE(s.verify_piece(PieceIndex(0)));
  s.set_file_wanted(FileIndex(0), true);
  s.flush();  // moves the parts bytes into A, then drops the empty parts file
  EXPECT_TRUE(same(slurp(dir_ / "root" / "A"), t.file(0)));
  EXPECT_FALSE(fs::exists(s.parts_path()));
}

TEST_F(Storage, CheckExistingDataReportsMissingShortAndCorruptFiles) {
  const TestTorrent t = make_torrent(kMixedFiles, 32768, true, 5);
  TorrentStorage s(dir_, t.meta);
  for (std::int32_t p = 0; p < t.meta.num_pieces(); ++p) {
    EXPECT_EQ(s.check_existing_piece(PieceIndex(p)), std::nullopt);
  }
  std::error_code code;
  Bytes out(100);
  const std::string missing = error_text([&] { s.read({PieceIndex(0), 0, 100}, out); }, &code);
  EXPECT_EQ(code, std::errc::no_such_file_or_directory);
  EXPECT_NE(missing.find("cannot read " + (dir_ / "root/a/b/odd.bin").string()), std::string::npos)
      << missing;

  for (std::int32_t p = 0; p < t.meta.num_pieces(); ++p)
    write_piece(s, t, p);
  s.release_files();
  for (std::int32_t p = 0; p < t.meta.num_pieces(); ++p) {
    EXPECT_EQ(s.check_existing_piece(PieceIndex(p)), std::optional<bool>(true));
  }

  // c.dat starts at 65536 (piece 2) and ends in piece 4; cut it short inside piece 4.
  fs::resize_file(s.file_path(FileIndex(3)), 70000);
  EXPECT_EQ(s.check_existing_piece(PieceIndex(2)), std::optional<bool>(true));
  EXPECT_EQ(s.check_existing_piece(PieceIndex(4)), std::nullopt);
  const std::string short_text = error_text([&] { (void)s.hash_piece(PieceIndex(4)); }, &code);
  EXPECT_EQ(code, std::errc::no_message_available);
  EXPECT_NE(short_text.find("c.dat: the file is shorter than expected"), std::string::npos)
      << short_text;

  // One flipped byte in odd.bin: piece 1 fails, piece 0 still passes.
  {
    std::fstream f(s.file_path(FileIndex(0)), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40000);
    f.put(static_cast<char>(~t.data[40000]));
  }
  EXPECT_EQ(s.check_existing_piece(PieceIndex(0)), std::optional<bool>(true));
  EXPECT_EQ(s.check_existing_piece(PieceIndex(1)), std::optional<bool>(false));

  fs::remove(s.file_path(FileIndex(5)));
  EXPECT_EQ(s.check_existing_piece(PieceIndex(4)), std::nullopt);
  EXPECT_TRUE(s.any_file_exists());
}

TEST_F(Storage, UnwritableFolderGivesAOneLineErrorNamingTheFile) {
  const TestTorrent t = make_torrent(kMixedFiles, 32768);
  const Bytes block(t.piece(0).begin(), t.piece(0).end());
  std::error_code code;

  // A file where the torrent's folder should be: fails for root too.
  std::ofstream(dir_ / "root") << "not a folder";
  {
    TorrentStorage s(dir_, t.meta);
    const std::string text = error_text([&] { write_piece(s, t, 0); }, &code);
    EXPECT_EQ(text.find('\n'), std::string::npos);
    EXPECT_EQ(text.rfind("cannot ", 0), 0u) << text;
    EXPECT_NE(text.find((dir_ / "root").string()), std::string::npos) << text;
    EXPECT_TRUE(code == std::errc::not_a_directory || code == std::errc::file_exists) << text;
  }
  fs::remove(dir_ / "root");

  if (::geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  const fs::path locked = dir_ / "locked";
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  TorrentStorage s(locked, t.meta);
  const std::string text = error_text([&] { write_piece(s, t, 0); }, &code);
  EXPECT_EQ(code, std::errc::permission_denied);
  EXPECT_NE(text.find((locked / "root").string()), std::string::npos) << text;
  EXPECT_NE(text.find("Permission denied"), std::string::npos) << text;
}

TEST_F(Storage, DeleteFilesRemovesOnlyTheTorrentsOwnFilesAndFolders) {
  const TestTorrent t = make_torrent(kMixedFiles, 32768);
  std::ofstream(dir_ / "keep.txt") << "unrelated";
  TorrentStorage s(dir_, t.meta);
  for (std::int32_t p = 0; p < t.meta.num_pieces(); ++p)
    write_piece(s, t, p);
  std::ofstream(dir_ / "root" / "a" / "mine.txt") << "the user's own file";
  s.delete_files();

  EXPECT_TRUE(fs::exists(dir_ / "keep.txt"));
  EXPECT_TRUE(fs::exists(dir_ / "root" / "a" / "mine.txt"));
  EXPECT_FALSE(fs::exists(dir_ / "root" / "a" / "b"));  // emptied, so removed
  EXPECT_FALSE(fs::exists(dir_ / "root" / "c.dat"));
  EXPECT_FALSE(fs::exists(dir_ / "root" / "a" / "empty.txt"));
  EXPECT_FALSE(s.any_file_exists());

  // Without the user's file the root folder goes too; save_dir stays.
  fs::remove(dir_ / "root" / "a" / "mine.txt");
  for (std::int32_t p = 0; p < t.meta.num_pieces(); ++p)
    write_piece(s, t, p);
  s.delete_files();
  EXPECT_FALSE(fs::exists(dir_ / "root"));
  EXPECT_TRUE(fs::is_directory(dir_));
  EXPECT_TRUE(fs::exists(dir_ / "keep.txt"));
}

TEST_F(Storage, DeleteFilesDoesNotFollowAFolderSymlinkOutOfTheTorrent) {
  const TestTorrent t = make_torrent({{"sub/x.bin", 100}, {"y.bin", 100}}, 16384);
  const fs::path outside = dir_ / "outside";
  fs::create_directories(outside);
  std::ofstream(outside / "x.bin") << "precious";
  fs::create_directories(dir_ / "save" / "root");
  fs::create_directory_symlink(outside, dir_ / "save" / "root" / "sub");
  TorrentStorage s(dir_ / "save", t.meta);
  write_piece(s, t, 0);  // writes through the link, as the user arranged
  EXPECT_THROW(s.delete_files(), StorageError);
  EXPECT_TRUE(fs::exists(outside / "x.bin"));
  EXPECT_FALSE(fs::exists(dir_ / "save" / "root" / "y.bin"));
}

TEST_F(Storage, FlushAfterWritesReleaseAndRemoval) {
  const TestTorrent t = make_torrent(kMixedFiles, 32768);
  TorrentStorage s(dir_, t.meta);
  s.flush();  // nothing written yet
  write_piece(s, t, 0);
  s.flush();
  write_piece(s, t, 1);
  s.release_files();  // written but closed: flush reopens it to sync
  s.flush();
  write_piece(s, t, 3);
  fs::remove(s.file_path(FileIndex(3)));  // removed behind our back: nothing left to sync
  s.release_files();
  s.flush();
  EXPECT_TRUE(same(slurp(s.file_path(FileIndex(0))), t.file(0)));
}

TEST_F(Storage, StatFilesReportsSizesAndTimes) {
  const TestTorrent t = make_torrent(kMixedFiles, 32768);
  TorrentStorage s(dir_, t.meta);
  for (const FileStat& st : s.stat_files())
    EXPECT_FALSE(st.exists);
  write_piece(s, t, 0);
  const std::vector<FileStat> stats = s.stat_files();
  ASSERT_EQ(stats.size(), kMixedFiles.size());
  EXPECT_TRUE(stats[0].exists);
  EXPECT_EQ(stats[0].size, 40001);
  EXPECT_TRUE(stats[1].exists);  // zero-length files come with the first write
  EXPECT_EQ(stats[1].size, 0);
  EXPECT_FALSE(stats[2].exists);  // pad
  EXPECT_FALSE(stats[3].exists);  // not written yet
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const std::int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
  EXPECT_GT(stats[0].mtime_ns, now_ns - std::int64_t{3600} * 1'000'000'000);
  EXPECT_LE(stats[0].mtime_ns, now_ns + std::int64_t{60} * 1'000'000'000);
}

TEST_F(Storage, HandleCacheWithTwoSlotsAndFiveFilesUnderConcurrentUse) {
  const std::size_t fds_before = open_fds();
  {
    std::vector<CachedFile> files;
    for (int i = 0; i < 5; ++i)
      files.push_back({dir_ / "cache" / ("f" + std::to_string(i)), 64 * 1024, false});
    FileHandleCache cache(files, 2);
    EXPECT_EQ(cache.open_for_read(FileIndex(0)), nullptr);  // not created by reading

    // Each thread owns 4 KiB of every file, so what it reads back must be what it wrote.
    constexpr int kThreads = 4;
    std::atomic<int> mismatches{0};
    std::atomic<std::size_t> most_open{0};
    auto worker = [&](int id) {
      std::mt19937 gen(static_cast<unsigned>(id));
      Bytes out(4096);
      for (int round = 0; round < 400; ++round) {
        const FileIndex file(static_cast<std::int32_t>(gen() % 5));
        const auto value = static_cast<std::uint8_t>(gen());
        const Bytes data(4096, value);
        cache.write(file, id * 4096, data);
        const auto handle = cache.open_for_read(file);
        if (!handle || handle->read_at(id * 4096, out) != out.size() || out != data) {
          ++mismatches;
        }
        std::size_t seen = most_open.load();
        const std::size_t now = cache.open_count();
        while (now > seen && !most_open.compare_exchange_weak(seen, now)) {
        }
        if (round % 100 == 0) cache.flush_all();
      }
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
      threads.emplace_back(worker, i);
    for (std::thread& th : threads)
      th.join();
    EXPECT_EQ(mismatches.load(), 0);
    EXPECT_LE(most_open.load(), 2u);
    cache.flush_all();
    for (const CachedFile& f : files)
      EXPECT_EQ(fs::file_size(f.path), 64u * 1024);

    // A read-only handle is upgraded when a write needs the file; the old one keeps working.
    cache.close_all();
    EXPECT_EQ(cache.open_count(), 0u);
    const auto reader = cache.open_for_read(FileIndex(1));
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(reader->access(), FileAccess::read);
    const auto writer = cache.open_for_write(FileIndex(1));
    EXPECT_EQ(writer->access(), FileAccess::write);
    EXPECT_EQ(cache.open_for_read(FileIndex(1)), writer);
    Bytes byte(1);
    EXPECT_EQ(reader->read_at(0, byte), 1u);
    cache.close(FileIndex(1));
    EXPECT_EQ(cache.open_count(), 0u);
  }
  EXPECT_EQ(open_fds(), fds_before);
}

}  // namespace
}  // namespace lt::net
