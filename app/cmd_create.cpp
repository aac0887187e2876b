// `liketorrent create PATH... [-t URL]... [-o OUT] [--piece-size N] [--private] [--comment C]
//  [--name N] [--web-seed URL]... [--no-date] [--threads N]`
//
// Decisions where the contract is silent:
// - Each -t starts a new tier; commas inside one -t put several URLs in the same tier
//   (mktorrent's convention). No -t makes a trackerless torrent.
// - Several paths without --name: the root folder is named after -o's stem, else the first
//   path's stem.
// - Without -o the torrent is written to ./NAME.torrent; an existing file is replaced
//   atomically (temp file + rename), never left half-written.
// - --piece-size takes bytes or a binary suffix (256K, 1M, 1MiB); powers of two 16 KiB-64 MiB.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include "cli_error.hpp"
#include "commands.hpp"
#include "core/human_format.hpp"
#include "net/torrent_creator.hpp"
#include "progress_bar.hpp"
#include "torrent_file_io.hpp"

namespace lt::app {
namespace fs = std::filesystem;
namespace {

struct CreateArgs {
  std::vector<std::string> paths;
  std::vector<std::string> trackers;
  std::vector<std::string> web_seeds;
  std::string output;
  std::string piece_size;
  std::string comment;
  std::string name;
  bool is_private = false;
  bool no_date = false;
  unsigned threads = 0;
};

std::vector<std::vector<std::string>> tracker_tiers(const std::vector<std::string>& args) {
  std::vector<std::vector<std::string>> tiers;
  for (const std::string& arg : args) {
    std::vector<std::string> tier;
    std::size_t start = 0;
    while (start <= arg.size()) {
      const std::size_t comma = std::min(arg.find(',', start), arg.size());
      const std::string url = arg.substr(start, comma - start);
      if (!url.empty()) tier.push_back(url);
      start = comma + 1;
    }
    if (tier.empty()) throw UsageError("empty tracker URL in -t \"" + arg + "\"");
    tiers.push_back(std::move(tier));
  }
  return tiers;
}

int run_create(const CreateArgs& args) {
  net::CreateRequest request;
  for (const std::string& p : args.paths)
    request.inputs.emplace_back(p);
  request.name = args.name;
  // Several paths need a root folder name: --name, else the output file's stem, else the first
  // path's stem (so `create a.txt b.txt -o out.torrent` makes the folder "out").
  if (request.name.empty() && args.paths.size() > 1) {
    request.name = fs::path(args.output.empty() ? args.paths.front() : args.output).stem().string();
  }
  request.threads = args.threads;
  if (!args.piece_size.empty()) {
    const auto size = parse_size(args.piece_size);
    if (!size || *size == 0)
      throw UsageError("--piece-size: not a size: \"" + args.piece_size + "\"");
    request.piece_length = *size;
  }
  request.options.trackers = tracker_tiers(args.trackers);
  request.options.web_seeds = args.web_seeds;
  request.options.comment = args.comment;
  request.options.is_private = args.is_private;
  request.options.created_by = "Like-Torrent/" LT_VERSION;
  if (!args.no_date) request.options.creation_date = static_cast<std::int64_t>(std::time(nullptr));

  // Refuse an unwritable destination before spending minutes hashing.
  if (!args.output.empty()) {
    const fs::path out(args.output);
    std::error_code ec;
    if (fs::is_directory(out, ec)) throw UsageError("-o " + args.output + ": is a directory");
    const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
    if (!fs::is_directory(dir, ec))
      throw UsageError("-o " + args.output + ": no such directory " + dir.string());
  }

  const auto start = std::chrono::steady_clock::now();
  ProgressBar bar("Hashing");
  net::CreatedTorrent created;
  try {
    created = net::create_torrent(
        request, [&bar](std::int64_t done, std::int64_t total) { bar.update(done, total); });
  } catch (const net::CreateInputError& e) {
    throw UsageError(e.what());
  } catch (const std::exception& e) {
    throw RuntimeError(std::string("hashing failed: ") + e.what());
  }
  bar.finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const fs::path out =
      args.output.empty() ? fs::path(created.name + ".torrent") : fs::path(args.output);
  write_file_atomically(out, created.torrent.bytes);

  std::printf(
      "Created %s\n  name %s, %zu file%s, %s, %d piece%s x %s\n  info-hash %s\n  hashed in %.2f s "
      "(%.2f GB/s)\n",
      out.string().c_str(), created.name.c_str(), created.num_files,
      created.num_files == 1 ? "" : "s", format_bytes(created.total_size).c_str(),
      created.num_pieces, created.num_pieces == 1 ? "" : "s",
      format_bytes(created.piece_length).c_str(), created.torrent.info_hash.hex().c_str(), seconds,
      seconds > 0 ? static_cast<double>(created.total_size) / seconds / 1e9 : 0.0);
  return kExitOk;
}

}  // namespace

void add_create_command(CLI::App& cli, const GlobalOptions& /*global*/, CommandRunner& runner) {
  auto args = std::make_shared<CreateArgs>();
  CLI::App* cmd = cli.add_subcommand("create", "Make a .torrent from files or folders");
  cmd->add_option("PATH", args->paths,
                  "File or folder to share; several make one multi-file torrent")
      ->required();
  cmd->add_option("-t,--tracker", args->trackers,
                  "Tracker announce URL; repeat for more tiers, commas for one tier")
      ->allow_extra_args(false);  // one URL per -t, so `-t URL PATH` keeps PATH positional
  cmd->add_option("-o,--output", args->output, "Output file (default: ./NAME.torrent)");
  cmd->add_option("--piece-size", args->piece_size, "Piece size: bytes or 256K/1M (default: auto)");
  cmd->add_flag("--private", args->is_private, "Private torrent (BEP 27: trackers only)");
  cmd->add_option("--comment", args->comment, "Comment stored in the torrent");
  cmd->add_option("--name", args->name, "Name of the torrent (the root folder for several paths)");
  cmd->add_option("--web-seed", args->web_seeds, "Web seed URL (BEP 19); repeatable")
      ->allow_extra_args(false);
  cmd->add_flag("--no-date", args->no_date, "Leave out the creation date (reproducible output)");
  cmd->add_option("--threads", args->threads, "Hashing threads (default: all cores)");
  cmd->callback([args, &runner] { runner = [args] { return run_create(*args); }; });
}

}  // namespace lt::app
