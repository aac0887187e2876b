#include "net/torrent_storage.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "core/utf8.hpp"

namespace lt::net {
namespace fs = std::filesystem;

namespace {

using Ranges = std::map<std::int64_t, std::int64_t>;
using Range = std::pair<std::int64_t, std::int64_t>;

// Hashing and moving data go through buffers of at most this size, whatever the piece length.
constexpr std::int64_t kChunkBytes = std::int64_t{1} << 20;

constexpr std::string_view kIndexMagic = "lt-parts-index";
constexpr int kIndexVersion = 1;

std::size_t index_of(FileIndex file) {
  return static_cast<std::size_t>(file.get());
}

// A '/'-separated relative path from the metainfo as a path below `base`. parse_metainfo
// already sanitises paths; this refuses anything that could still climb out of `base`.
fs::path join_safely(const fs::path& base, std::string_view relative) {
  const std::string_view whole = relative;
  fs::path out = base;
  bool any = false;
  while (!relative.empty()) {
    const std::size_t slash = relative.find('/');
    const std::string_view element = relative.substr(0, slash);
    relative = slash == std::string_view::npos ? std::string_view{} : relative.substr(slash + 1);
    if (element.empty() || element == "." || element == ".." ||
        element.find_first_of(std::string_view("\\\0", 2)) != std::string_view::npos) {
      throw std::invalid_argument("unsafe path in metainfo: " + std::string(whole));
    }
    const std::u8string utf8(element.begin(), element.end());
    const fs::path part(utf8);
    if (part.has_root_path() || part.has_root_name()) {
      throw std::invalid_argument("unsafe path in metainfo: " + std::string(whole));
    }
    out /= part;
    any = true;
  }
  if (!any) throw std::invalid_argument("empty path in metainfo");
  return out;
}

// True when `path` is `dir` or below it (both already normalised the same way).
bool is_within(const fs::path& path, const fs::path& dir) {
  const fs::path rel = path.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

fs::path canonical_or_normal(const fs::path& path) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(path, ec);
  return ec ? path.lexically_normal() : out;
}

// ---- Disjoint byte ranges ----

void add_range(Ranges& ranges, std::int64_t begin, std::int64_t end) {
  auto it = ranges.upper_bound(begin);
  if (it != ranges.begin()) {
    const auto before = std::prev(it);
    if (before->second >= begin) {
      begin = before->first;
      end = std::max(end, before->second);
      ranges.erase(before);
    }
  }
  while (it != ranges.end() && it->first <= end) {
    end = std::max(end, it->second);
    it = ranges.erase(it);
  }
  ranges.emplace(begin, end);
}

// Returns true when anything was removed.
bool remove_range(Ranges& ranges, std::int64_t begin, std::int64_t end) {
  bool removed = false;
  auto it = ranges.upper_bound(begin);
  if (it != ranges.begin()) {
    const auto before = std::prev(it);
    if (before->second > begin) {
      removed = true;
      const std::int64_t tail_end = before->second;
      if (before->first == begin) {
        ranges.erase(before);
      } else {
        before->second = begin;
      }
      if (tail_end > end) {
        ranges.emplace(end, tail_end);
        return true;
      }
    }
  }
  while (it != ranges.end() && it->first < end) {
    removed = true;
    if (it->second > end) {
      const std::int64_t tail_end = it->second;
      ranges.erase(it);
      ranges.emplace(end, tail_end);
      break;
    }
    it = ranges.erase(it);
  }
  return removed;
}

// The parts of [begin, end) that `ranges` covers, in order.
std::vector<Range> overlaps(const Ranges& ranges, std::int64_t begin, std::int64_t end) {
  std::vector<Range> out;
  auto it = ranges.upper_bound(begin);
  if (it != ranges.begin()) {
    const auto before = std::prev(it);
    if (before->second > begin) out.emplace_back(begin, std::min(end, before->second));
  }
  for (; it != ranges.end() && it->first < end; ++it) {
    out.emplace_back(it->first, std::min(end, it->second));
  }
  return out;
}

std::vector<CachedFile> cached_files(const std::vector<fs::path>& paths,
                                     const std::vector<FileEntry>& entries,
                                     const fs::path& parts_path) {
  std::vector<CachedFile> out;
  out.reserve(paths.size() + 1);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    out.push_back({paths[i], entries[i].size, entries[i].executable});
  }
  out.push_back({parts_path, 0, false});  // sparse, grows as written
  return out;
}

}  // namespace

// ---- Construction ----

TorrentStorage::TorrentStorage(fs::path save_dir, const Metainfo& meta, std::size_t max_open_files)
    : save_dir_(std::move(save_dir)),
      root_(meta.multi_file ? join_safely(save_dir_, meta.name) : save_dir_),
      parts_path_(save_dir_ / ("." + meta.info_hash.hex() + ".parts")),
      parts_index_path_(save_dir_ / ("." + meta.info_hash.hex() + ".parts.index")),
      layout_(meta.layout()),
      piece_hashes_(meta.piece_hashes),
      wanted_(std::make_unique<std::atomic<bool>[]>(meta.files.size())),
      parts_file_(static_cast<std::int32_t>(meta.files.size())),
      cache_(
          [&] {
            std::vector<fs::path> paths;
            paths.reserve(meta.files.size());
            for (const FileEntry& entry : meta.files) {
              paths.push_back(join_safely(root_, entry.path));
            }
            return cached_files(paths, meta.files, parts_path_);
          }(),
          max_open_files) {
  files_.reserve(meta.files.size());
  for (std::size_t i = 0; i < meta.files.size(); ++i) {
    const FileEntry& entry = meta.files[i];
    const FileIndex index(static_cast<std::int32_t>(i));
    files_.push_back({cache_.path(index), layout_.file_offset(index), entry.size, entry.pad,
                      !entry.symlink_target.empty()});
    wanted_[i].store(true, std::memory_order_relaxed);
  }
}

TorrentStorage::~TorrentStorage() = default;

fs::path TorrentStorage::file_path(FileIndex file) const {
  return files_.at(index_of(file)).path;
}

Sha1Digest TorrentStorage::piece_hash(PieceIndex piece) const {
  if (piece.get() < 0 || piece.get() >= layout_.num_pieces()) {
    throw std::out_of_range("piece index out of range");
  }
  const auto at = static_cast<std::size_t>(piece.get()) * 20;
  return Sha1Digest::from_bytes(std::string_view(piece_hashes_).substr(at, 20)).value();
}

// ---- Wanted files ----

void TorrentStorage::set_file_wanted(FileIndex file, bool wanted) {
  (void)files_.at(index_of(file));  // range check
  const bool was = wanted_[index_of(file)].exchange(wanted, std::memory_order_acq_rel);
  // The bytes it had in the parts file move into it on a disk thread (write() or flush()).
  if (wanted && !was) pending_.store(true, std::memory_order_release);
}

bool TorrentStorage::file_wanted(FileIndex file) const {
  (void)files_.at(index_of(file));  // range check
  return wanted_[index_of(file)].load(std::memory_order_acquire);
}

void TorrentStorage::apply_pending() {
  const std::unique_lock lock(io_mutex_);
  if (!pending_.exchange(false, std::memory_order_acq_rel)) return;
  try {
    if (parts_in_use_.load(std::memory_order_acquire)) {
      for (std::size_t i = 0; i < files_.size(); ++i) {
        if (files_[i].pad || files_[i].size == 0) continue;
        if (!wanted_[i].load(std::memory_order_acquire)) continue;
        export_parts(FileIndex(static_cast<std::int32_t>(i)));
      }
    }
    if (written_.load(std::memory_order_acquire)) create_empty_files();
  } catch (...) {
    pending_.store(true, std::memory_order_release);
    throw;
  }
}

void TorrentStorage::export_parts(FileIndex file) {
  const File& f = files_[index_of(file)];
  std::vector<Range> ranges;
  {
    const std::lock_guard lock(parts_mutex_);
    ranges = overlaps(parts_ranges_, f.offset, f.offset + f.size);
  }
  if (ranges.empty()) return;
  std::vector<std::uint8_t> buffer(static_cast<std::size_t>(kChunkBytes));
  for (const auto& [begin, end] : ranges) {
    for (std::int64_t pos = begin; pos < end;) {
      const std::int64_t n = std::min(end - pos, kChunkBytes);
      const auto chunk = std::span(buffer).first(static_cast<std::size_t>(n));
      // Bytes the parts file lost are simply forgotten: the piece fails its hash and is
      // downloaded again.
      if (read_parts(pos, chunk)) break;
      cache_.write(file, pos - f.offset, chunk);
      pos += n;
    }
    const std::lock_guard lock(parts_mutex_);
    remove_range(parts_ranges_, begin, end);
    parts_in_use_.store(!parts_ranges_.empty(), std::memory_order_release);
    parts_changed_.store(true, std::memory_order_release);
  }
}

void TorrentStorage::create_empty_files() {
  for (std::size_t i = 0; i < files_.size(); ++i) {
    const File& f = files_[i];
    if (f.size != 0 || f.pad || f.symlink || !wanted_[i].load(std::memory_order_acquire)) continue;
    std::error_code ec;
    if (fs::exists(f.path, ec)) continue;
    const FileHandle created(f.path, FileAccess::write);
  }
}

// ---- Writing and reading ----

std::int64_t TorrentStorage::checked_offset(const BlockRequest& where, std::size_t size) const {
  if (where.piece.get() < 0 || where.piece.get() >= layout_.num_pieces() || where.begin < 0 ||
      where.length <= 0 || static_cast<std::size_t>(where.length) != size ||
      std::int64_t{where.begin} + where.length > layout_.piece_size(where.piece)) {
    throw std::invalid_argument(
        "block outside its piece: piece " + std::to_string(where.piece.get()) + ", begin " +
        std::to_string(where.begin) + ", length " + std::to_string(where.length) + ", " +
        std::to_string(size) + " bytes");
  }
  return layout_.piece_offset(where.piece) + where.begin;
}

void TorrentStorage::write(const BlockRequest& where, std::span<const std::uint8_t> data) {
  const std::int64_t offset = checked_offset(where, data.size());
  load_parts_index_once();
  if (!written_.load(std::memory_order_acquire)) {
    // Zero-length files appear with the first data of the download.
    written_.store(true, std::memory_order_release);
    pending_.store(true, std::memory_order_release);
  }
  if (pending_.load(std::memory_order_acquire)) apply_pending();

  const std::shared_lock lock(io_mutex_);
  for (const FileSpan& span : layout_.spans(offset, where.length)) {
    const File& f = files_[index_of(span.file)];
    if (f.pad) continue;  // pad bytes are zeros by definition; nothing to keep
    const std::int64_t at = f.offset + span.file_offset;
    const auto chunk =
        data.subspan(static_cast<std::size_t>(at - offset), static_cast<std::size_t>(span.length));
    if (wanted_[index_of(span.file)].load(std::memory_order_acquire)) {
      cache_.write(span.file, span.file_offset, chunk);
      // The file now holds the newest copy of these bytes.
      if (parts_in_use_.load(std::memory_order_acquire)) {
        const std::lock_guard parts_lock(parts_mutex_);
        if (remove_range(parts_ranges_, at, at + span.length)) {
          parts_in_use_.store(!parts_ranges_.empty(), std::memory_order_release);
          parts_changed_.store(true, std::memory_order_release);
        }
      }
    } else {
      // A skipped file is never created: its bytes wait in the parts file.
      cache_.write(parts_file_, at, chunk);
      const std::lock_guard parts_lock(parts_mutex_);
      add_range(parts_ranges_, at, at + span.length);
      parts_in_use_.store(true, std::memory_order_release);
      parts_changed_.store(true, std::memory_order_release);
    }
  }
}

std::optional<TorrentStorage::Gap> TorrentStorage::read_file(FileIndex file,
                                                             std::int64_t file_offset,
                                                             std::span<std::uint8_t> out) {
  const auto handle = cache_.open_for_read(file);
  if (!handle) return Gap{file, true};
  if (handle->read_at(file_offset, out) < out.size()) return Gap{file, false};
  return std::nullopt;
}

std::optional<TorrentStorage::Gap> TorrentStorage::read_parts(std::int64_t offset,
                                                              std::span<std::uint8_t> out) {
  const auto handle = cache_.open_for_read(parts_file_);
  if (!handle) return Gap{std::nullopt, true};
  if (handle->read_at(offset, out) < out.size()) return Gap{std::nullopt, false};
  return std::nullopt;
}

std::optional<TorrentStorage::Gap> TorrentStorage::read_range(std::int64_t offset,
                                                              std::span<std::uint8_t> out) {
  for (const FileSpan& span : layout_.spans(offset, static_cast<std::int64_t>(out.size()))) {
    const File& f = files_[index_of(span.file)];
    const std::int64_t at = f.offset + span.file_offset;
    const auto dest =
        out.subspan(static_cast<std::size_t>(at - offset), static_cast<std::size_t>(span.length));
    if (f.pad) {
      std::fill(dest.begin(), dest.end(), std::uint8_t{0});
      continue;
    }
    std::vector<Range> from_parts;
    if (parts_in_use_.load(std::memory_order_acquire)) {
      const std::lock_guard lock(parts_mutex_);
      from_parts = overlaps(parts_ranges_, at, at + span.length);
    }
    auto part = [&](std::int64_t begin, std::int64_t end) {
      return dest.subspan(static_cast<std::size_t>(begin - at),
                          static_cast<std::size_t>(end - begin));
    };
    std::int64_t pos = at;
    for (const auto& [begin, end] : from_parts) {
      if (begin > pos) {
        if (auto gap = read_file(span.file, pos - f.offset, part(pos, begin))) return gap;
      }
      if (auto gap = read_parts(begin, part(begin, end))) return gap;
      pos = end;
    }
    if (pos < at + span.length) {
      if (auto gap = read_file(span.file, pos - f.offset, part(pos, at + span.length))) {
        return gap;
      }
    }
  }
  return std::nullopt;
}

void TorrentStorage::throw_gap(const Gap& gap) const {
  const fs::path& path = gap.file ? files_[index_of(*gap.file)].path : parts_path_;
  if (gap.absent) {
    throw StorageError("read", path, std::make_error_code(std::errc::no_such_file_or_directory));
  }
  throw StorageError("cannot read " + path_to_utf8(path) + ": the file is shorter than expected",
                     std::make_error_code(std::errc::no_message_available));
}

void TorrentStorage::read(const BlockRequest& where, std::span<std::uint8_t> out) {
  const std::int64_t offset = checked_offset(where, out.size());
  load_parts_index_once();
  const std::shared_lock lock(io_mutex_);
  if (auto gap = read_range(offset, out)) throw_gap(*gap);
}

// ---- Hashing and checking ----

std::optional<TorrentStorage::Gap> TorrentStorage::hash_range(PieceIndex piece,
                                                              Sha1Digest& digest) {
  // Reused by every piece this thread hashes: no allocation per piece.
  thread_local std::vector<std::uint8_t> buffer;
  const std::int64_t size = layout_.piece_size(piece);
  const std::int64_t start = layout_.piece_offset(piece);
  const std::int64_t chunk = std::min(size, kChunkBytes);
  if (buffer.size() < static_cast<std::size_t>(chunk))
    buffer.resize(static_cast<std::size_t>(chunk));
  Sha1 sha;
  load_parts_index_once();
  const std::shared_lock lock(io_mutex_);
  for (std::int64_t pos = 0; pos < size;) {
    const std::int64_t n = std::min(chunk, size - pos);
    const auto part = std::span(buffer).first(static_cast<std::size_t>(n));
    if (auto gap = read_range(start + pos, part)) return gap;
    sha.update(std::span<const std::uint8_t>(part));
    pos += n;
  }
  digest = sha.finish();
  return std::nullopt;
}

Sha1Digest TorrentStorage::hash_piece(PieceIndex piece) {
  Sha1Digest digest;
  if (auto gap = hash_range(piece, digest)) throw_gap(*gap);
  return digest;
}

std::optional<bool> TorrentStorage::check_existing_piece(PieceIndex piece) {
  Sha1Digest digest;
  if (hash_range(piece, digest)) return std::nullopt;
  return digest == piece_hash(piece);
}

// ---- Flushing and the parts index ----

void TorrentStorage::flush() {
  load_parts_index_once();
  if (pending_.load(std::memory_order_acquire)) apply_pending();
  const std::lock_guard flush_lock(flush_mutex_);
  // The record is taken before syncing, so the saved index never lists bytes not yet durable.
  std::optional<Ranges> record;
  if (parts_changed_.exchange(false, std::memory_order_acq_rel)) {
    const std::lock_guard lock(parts_mutex_);
    record = parts_ranges_;
  }
  try {
    cache_.flush_all();
    if (!record) return;
    if (record->empty()) {
      remove_parts_files();
      return;
    }
    std::ostringstream text;
    text << kIndexMagic << ' ' << kIndexVersion << ' ' << layout_.total_size() << '\n';
    for (const auto& [begin, end] : *record)
      text << begin << ' ' << end << '\n';
    const std::string bytes = text.str();
    // Written aside and renamed over the old index: a crash leaves one or the other whole.
    const fs::path temp = fs::path(parts_index_path_) += ".tmp";
    std::error_code ec;
    fs::remove(temp, ec);
    {
      const FileHandle out(temp, FileAccess::write);
      out.write_at(0, std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
      out.sync();
    }
    fs::rename(temp, parts_index_path_, ec);
    if (ec) throw StorageError("write", parts_index_path_, ec);
  } catch (...) {
    if (record) parts_changed_.store(true, std::memory_order_release);
    throw;
  }
}

void TorrentStorage::remove_parts_files() {
  // Exclusive: no read may be between looking up a range and reading it from the file.
  const std::unique_lock lock(io_mutex_);
  {
    const std::lock_guard parts_lock(parts_mutex_);
    if (!parts_ranges_.empty()) return;  // written again meanwhile; the next flush saves it
  }
  cache_.close(parts_file_);
  for (const fs::path& path : {parts_path_, parts_index_path_}) {
    std::error_code ec;
    fs::remove(path, ec);
    if (ec) throw StorageError("remove", path, ec);
  }
}

void TorrentStorage::load_parts_index_once() {
  std::call_once(parts_loaded_, [this] { load_parts_index(); });
}

void TorrentStorage::load_parts_index() {
  std::error_code ec;
  if (!fs::exists(parts_path_, ec) || !fs::exists(parts_index_path_, ec)) return;
  std::ifstream in(parts_index_path_);
  std::string magic;
  int version = 0;
  std::int64_t total = 0;
  if (!(in >> magic >> version >> total) || magic != kIndexMagic || version != kIndexVersion ||
      total != layout_.total_size()) {
    return;  // not ours or out of date: the shared pieces are downloaded again
  }
  Ranges ranges;
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t last_end = -1;
  while (in >> begin >> end) {
    if (begin <= last_end || end <= begin || end > total) return;
    ranges.emplace(begin, end);
    last_end = end;
  }
  if (!in.eof()) return;
  const std::lock_guard lock(parts_mutex_);
  parts_ranges_ = std::move(ranges);
  parts_in_use_.store(!parts_ranges_.empty(), std::memory_order_release);
}

void TorrentStorage::release_files() {
  cache_.close_all();
}

// ---- Removing ----

void TorrentStorage::delete_files() {
  load_parts_index_once();
  // Also excludes flush(), which could otherwise save the index again after it is removed.
  const std::lock_guard flush_lock(flush_mutex_);
  const std::unique_lock lock(io_mutex_);
  cache_.close_all();
  std::optional<StorageError> first_error;
  auto note = [&](const StorageError& e) {
    if (!first_error) first_error = e;
  };
  auto remove = [&](const fs::path& path) {
    std::error_code ec;
    fs::remove(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) note(StorageError("remove", path, ec));
  };

  const fs::path real_root = canonical_or_normal(root_);
  std::set<fs::path> folders;
  for (const File& f : files_) {
    if (f.pad || f.symlink) continue;
    // A folder inside the torrent replaced by a symlink must not lead the removal elsewhere.
    if (!is_within(canonical_or_normal(f.path.parent_path()), real_root)) {
      note(StorageError("cannot remove " + path_to_utf8(f.path) + ": its folder leads outside " +
                            path_to_utf8(root_),
                        std::make_error_code(std::errc::operation_not_permitted)));
      continue;
    }
    remove(f.path);
    for (fs::path dir = f.path.parent_path(); dir != root_ && is_within(dir, root_);
         dir = dir.parent_path()) {
      folders.insert(dir);
    }
  }
  remove(parts_path_);
  remove(parts_index_path_);
  {
    const std::lock_guard parts_lock(parts_mutex_);
    parts_ranges_.clear();
    parts_in_use_.store(false, std::memory_order_release);
    parts_changed_.store(false, std::memory_order_release);
  }
  written_.store(false, std::memory_order_release);

  // Deepest first; folders still holding something (the user's own files) stay.
  std::vector<fs::path> ordered(folders.begin(), folders.end());
  if (root_ != save_dir_) ordered.push_back(root_);
  auto depth = [](const fs::path& p) { return std::distance(p.begin(), p.end()); };
  std::stable_sort(ordered.begin(), ordered.end(),
                   [&](const fs::path& a, const fs::path& b) { return depth(a) > depth(b); });
  for (const fs::path& dir : ordered) {
    std::error_code ec;
    fs::remove(dir, ec);  // fails harmlessly when not empty or already gone
  }
  if (first_error) throw *first_error;
}

// ---- Queries ----

bool TorrentStorage::any_file_exists() const {
  // The parts index may not be loaded yet: the files on disk answer either way.
  std::error_code ec;
  if (parts_in_use_.load(std::memory_order_acquire) ||
      (fs::exists(parts_path_, ec) && fs::exists(parts_index_path_, ec))) {
    return true;
  }
  return std::any_of(files_.begin(), files_.end(), [](const File& f) {
    std::error_code exists_ec;
    return !f.pad && !f.symlink && fs::exists(f.path, exists_ec);
  });
}

std::vector<FileStat> TorrentStorage::stat_files() const {
  std::vector<FileStat> out;
  out.reserve(files_.size());
  for (const File& f : files_) {
    FileStat stat;
    std::error_code ec;
    if (!f.pad && fs::is_regular_file(f.path, ec)) {
      std::error_code size_ec;
      std::error_code time_ec;
      const auto size = fs::file_size(f.path, size_ec);
      const auto mtime = fs::last_write_time(f.path, time_ec);
      if (!size_ec && !time_ec) {
        stat.exists = true;
        stat.size = static_cast<std::int64_t>(size);
        const auto since_epoch = std::chrono::file_clock::to_sys(mtime).time_since_epoch();
        stat.mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count();
      }
    }
    out.push_back(stat);
  }
  return out;
}

}  // namespace lt::net
