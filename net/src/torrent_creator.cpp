#include "net/torrent_creator.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include "core/file_layout.hpp"
#include "core/utf8.hpp"
#include "net/read_only_file.hpp"

namespace lt::net {
namespace fs = std::filesystem;

namespace {

struct SourceFile {
  fs::path disk_path;
  std::vector<std::string> elements;  // path below the torrent root
  std::int64_t size = 0;
};

// The last element of a path as the user typed it ("dir/", "." and "/x/.." included).
std::string base_name(const fs::path& input) {
  fs::path p = input.lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  if (p.empty() || p.filename() == "." || p.filename() == "..") {
    std::error_code ec;
    p = fs::weakly_canonical(fs::absolute(input), ec);
  }
  return path_to_utf8(p.filename());
}

void check_exists(const fs::path& input) {
  std::error_code ec;
  const fs::file_status st = fs::status(input, ec);
  if (ec || !fs::exists(st))
    throw CreateInputError("no such file or directory: " + path_to_utf8(input));
  if (!fs::is_regular_file(st) && !fs::is_directory(st)) {
    throw CreateInputError("not a regular file or directory: " + path_to_utf8(input));
  }
}

std::int64_t regular_file_size(const fs::path& p) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec)
    throw CreateInputError("cannot read the size of " + path_to_utf8(p) + ": " + ec.message());
  return static_cast<std::int64_t>(size);
}

// Every regular file under `dir` (following file symlinks, not directory symlinks, so a link
// loop cannot make the walk endless), with `prefix` in front of its path.
void collect_directory(const fs::path& dir, const std::vector<std::string>& prefix,
                       std::vector<SourceFile>& out) {
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  if (ec) throw CreateInputError("cannot list " + path_to_utf8(dir) + ": " + ec.message());
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) throw CreateInputError("cannot list " + path_to_utf8(dir) + ": " + ec.message());
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    SourceFile f;
    f.disk_path = it->path();
    f.elements = prefix;
    for (const fs::path& part : it->path().lexically_relative(dir))
      f.elements.push_back(path_to_utf8(part));
    f.size = regular_file_size(f.disk_path);
    out.push_back(std::move(f));
  }
}

struct Plan {
  std::string name;
  bool multi_file = false;
  std::vector<SourceFile> files;
};

Plan plan_files(const CreateRequest& request) {
  if (request.inputs.empty()) throw CreateInputError("no input path given");
  for (const fs::path& input : request.inputs)
    check_exists(input);

  Plan plan;
  if (request.inputs.size() == 1) {
    const fs::path& input = request.inputs.front();
    plan.name = request.name.empty() ? base_name(input) : request.name;
    if (fs::is_regular_file(input)) {
      plan.files.push_back({input, {}, regular_file_size(input)});
    } else {
      plan.multi_file = true;
      collect_directory(input, {}, plan.files);
    }
  } else {
    plan.multi_file = true;
    plan.name = request.name;
    if (plan.name.empty()) throw CreateInputError("several paths need --name for the root folder");
    std::set<std::string> seen;
    for (const fs::path& input : request.inputs) {
      const std::string base = base_name(input);
      if (!seen.insert(base).second) {
        throw CreateInputError("two inputs share the name \"" + base + "\" inside the torrent");
      }
      if (fs::is_regular_file(input)) {
        plan.files.push_back({input, {base}, regular_file_size(input)});
      } else {
        collect_directory(input, {base}, plan.files);
      }
    }
  }
  if (plan.name.empty() || plan.name == "." || plan.name == ".." ||
      plan.name.find_first_of("/\\") != std::string::npos) {
    throw CreateInputError("invalid torrent name \"" + plan.name + "\"");
  }
  if (plan.files.empty()) throw CreateInputError("no files to share in the given paths");
  // Byte order of the path elements: deterministic whatever the file system's listing order.
  std::sort(plan.files.begin(), plan.files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.elements < b.elements; });
  return plan;
}

// Hashes pieces on several threads. Each worker claims the next unhashed piece and reads it in
// chunks small enough to still be in cache when SHA-1 runs over them.
class PieceHasher {
 public:
  PieceHasher(const std::vector<SourceFile>& files, const FileLayout& layout)
      : files_(files),
        layout_(layout),
        hashes_(static_cast<std::size_t>(layout.num_pieces()) * 20, '\0') {}

  std::string run(unsigned threads, const CreateProgress& progress) {
    threads = std::clamp<unsigned>(threads, 1, static_cast<unsigned>(layout_.num_pieces()));
    std::vector<std::thread> workers;
    workers.reserve(threads);
    for (unsigned i = 0; i < threads; ++i)
      workers.emplace_back([this] { work(); });

    {
      std::unique_lock lock(mutex_);
      while (!done_.wait_for(lock, std::chrono::milliseconds(200),
                             [&] { return finished_ == threads; })) {
        if (progress) {
          lock.unlock();
          progress(bytes_done_.load(std::memory_order_relaxed), layout_.total_size());
          lock.lock();
        }
      }
    }
    for (std::thread& t : workers)
      t.join();
    if (error_) std::rethrow_exception(error_);
    if (progress) progress(layout_.total_size(), layout_.total_size());
    return std::move(hashes_);
  }

 private:
  static constexpr std::size_t kChunk = std::size_t{128} << 10;

  void work() {
    try {
      std::vector<std::byte> buffer(kChunk);
      Sha1 sha;
      std::int32_t open_index = -1;
      ReadOnlyFile file;
      for (;;) {
        if (failed_.load(std::memory_order_relaxed)) break;
        const std::int32_t p = next_.fetch_add(1, std::memory_order_relaxed);
        if (p >= layout_.num_pieces()) break;
        for (const FileSpan& span : layout_.piece_spans(PieceIndex(p))) {
          if (span.file.get() != open_index) {
            file = ReadOnlyFile(files_[static_cast<std::size_t>(span.file.get())].disk_path);
            open_index = span.file.get();
          }
          hash_span(file, span, buffer, sha);
        }
        const Sha1Digest d = sha.finish();
        std::copy(d.bytes.begin(), d.bytes.end(),
                  hashes_.begin() + static_cast<std::ptrdiff_t>(p) * 20);
        bytes_done_.fetch_add(layout_.piece_size(PieceIndex(p)), std::memory_order_relaxed);
      }
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
      failed_ = true;
    }
    std::lock_guard lock(mutex_);
    ++finished_;
    done_.notify_one();
  }

  void hash_span(const ReadOnlyFile& file, const FileSpan& span, std::vector<std::byte>& buffer,
                 Sha1& sha) const {
    std::int64_t offset = span.file_offset;
    std::int64_t left = span.length;
    while (left > 0) {
      const auto want = static_cast<std::size_t>(std::min<std::int64_t>(left, kChunk));
      const std::size_t got = file.read_at(offset, buffer.data(), want);
      if (got != want) {
        throw std::runtime_error(
            path_to_utf8(files_[static_cast<std::size_t>(span.file.get())].disk_path) +
            " got shorter while it was being hashed");
      }
      sha.update({reinterpret_cast<const std::uint8_t*>(buffer.data()), got});
      offset += static_cast<std::int64_t>(got);
      left -= static_cast<std::int64_t>(got);
    }
  }

  const std::vector<SourceFile>& files_;
  const FileLayout& layout_;
  std::string hashes_;
  std::atomic<std::int32_t> next_{0};
  std::atomic<std::int64_t> bytes_done_{0};
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::condition_variable done_;
  unsigned finished_ = 0;
  std::exception_ptr error_;
};

}  // namespace

CreatedTorrent create_torrent(const CreateRequest& request, const CreateProgress& progress) {
  Plan plan = plan_files(request);

  std::vector<std::int64_t> sizes;
  sizes.reserve(plan.files.size());
  std::int64_t total = 0;
  for (const SourceFile& f : plan.files) {
    sizes.push_back(f.size);
    total += f.size;
  }
  if (total == 0) throw CreateInputError("all input files are empty; a torrent needs data");

  std::int64_t piece_length = request.piece_length;
  if (piece_length == 0) {
    piece_length = auto_piece_length(total);
  } else if (!is_valid_create_piece_length(piece_length)) {
    throw CreateInputError("piece size must be a power of two from 16 KiB to 64 MiB, got " +
                           std::to_string(piece_length));
  }
  const FileLayout layout(std::move(sizes), piece_length);

  const unsigned threads =
      request.threads != 0 ? request.threads : std::max(1u, std::thread::hardware_concurrency());
  PieceHasher hasher(plan.files, layout);
  const std::string hashes = hasher.run(threads, progress);

  std::vector<BuildFile> build_files;
  build_files.reserve(plan.files.size());
  for (const SourceFile& f : plan.files)
    build_files.push_back({f.elements, f.size, false});

  CreatedTorrent out;
  out.torrent =
      build_torrent(plan.name, plan.multi_file, build_files, piece_length, hashes, request.options);
  out.name = plan.name;
  out.total_size = total;
  out.piece_length = piece_length;
  out.num_pieces = layout.num_pieces();
  out.num_files = plan.files.size();
  return out;
}

}  // namespace lt::net
