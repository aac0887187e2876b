// `liketorrent info TORRENT [--json]` and `liketorrent magnet TORRENT`.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli_error.hpp"
#include "commands.hpp"
#include "core/human_format.hpp"
#include "core/json_writer.hpp"
#include "core/metainfo_magnet.hpp"
#include "torrent_file_io.hpp"

namespace lt::app {
namespace {

std::string info_json(const Metainfo& m) {
  JsonWriter j;
  j.begin_object();
  j.field("info_hash", m.info_hash.hex());
  j.field("name", m.name);
  j.field("total_size", m.total_size);
  j.field("piece_length", m.piece_length);
  j.field("num_pieces", static_cast<std::int64_t>(m.num_pieces()));
  j.field("private", m.is_private);
  j.field("multi_file", m.multi_file);
  j.key("trackers");
  j.begin_array();
  for (const auto& tier : m.trackers) {
    j.begin_array();
    for (const std::string& url : tier)
      j.value(url);
    j.end_array();
  }
  j.end_array();
  j.key("web_seeds");
  j.begin_array();
  for (const std::string& url : m.web_seeds)
    j.value(url);
  j.end_array();
  j.key("files");
  j.begin_array();
  for (const FileEntry& f : m.files) {
    j.begin_object();
    j.field("path", f.path);
    j.field("size", f.size);
    if (f.pad) {
      j.field("pad", true);
    }
    if (!f.symlink_target.empty()) {
      j.field("symlink_target", f.symlink_target);
    }
    j.end_object();
  }
  j.end_array();
  j.field("comment", m.comment);
  j.field("created_by", m.created_by);
  j.key("creation_date");
  if (m.creation_date) {
    j.value(*m.creation_date);
  } else {
    j.null();
  }
  j.field("magnet", magnet_uri_for(m));
  j.key("warnings");
  j.begin_array();
  for (const std::string& w : m.warnings)
    j.value(w);
  j.end_array();
  j.end_object();
  return j.str();
}

void print_human(const Metainfo& m) {
  std::string out;
  auto line = [&out](std::string_view label, const std::string& value) {
    out += label;
    out.append(label.size() < 13 ? 13 - label.size() : 1, ' ');
    out += value;
    out += '\n';
  };
  line("Name:", m.name);
  line("Info-hash:", m.info_hash.hex());
  line("Size:", format_bytes(m.total_size) + " (" + std::to_string(m.total_size) + " bytes)");
  line("Pieces:", std::to_string(m.num_pieces()) + " x " + format_bytes(m.piece_length));
  line("Private:", m.is_private ? "yes" : "no");
  if (!m.created_by.empty()) line("Created by:", m.created_by);
  if (m.creation_date) line("Created on:", format_utc(*m.creation_date));
  if (!m.comment.empty()) line("Comment:", m.comment);
  if (m.trackers.empty()) line("Trackers:", "none (trackerless)");
  std::string_view label = "Trackers:";
  for (std::size_t t = 0; t < m.trackers.size(); ++t) {
    for (const std::string& url : m.trackers[t]) {
      line(label, "tier " + std::to_string(t + 1) + ": " + url);
      label = "";
    }
  }
  for (std::size_t i = 0; i < m.web_seeds.size(); ++i)
    line(i == 0 ? "Web seeds:" : "", m.web_seeds[i]);
  out += "Files:       " + std::to_string(m.files.size()) + "\n";
  for (const FileEntry& f : m.files) {
    std::string size = format_bytes(f.size);
    out += "  " + std::string(size.size() < 10 ? 10 - size.size() : 0, ' ') + size + "  " + f.path;
    if (f.pad) out += "  (padding)";
    if (!f.symlink_target.empty()) out += " -> " + f.symlink_target;
    out += '\n';
  }
  line("Magnet:", magnet_uri_for(m));
  for (const std::string& w : m.warnings)
    line("Warning:", w);
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void add_info_commands(CLI::App& cli, const GlobalOptions& /*global*/, CommandRunner& runner) {
  struct InfoArgs {
    std::string torrent;
    bool json = false;
  };
  auto args = std::make_shared<InfoArgs>();

  CLI::App* info = cli.add_subcommand("info", "Show what a .torrent file holds");
  info->add_option("TORRENT", args->torrent, ".torrent file")->required();
  info->add_flag("--json", args->json, "Print one JSON object");
  info->callback([args, &runner] {
    runner = [args] {
      const Metainfo m = load_torrent_file(args->torrent);
      if (args->json) {
        std::cout << info_json(m) << '\n';
      } else {
        print_human(m);
      }
      return kExitOk;
    };
  });

  auto magnet_args = std::make_shared<std::string>();
  CLI::App* magnet = cli.add_subcommand("magnet", "Print the magnet link of a .torrent file");
  magnet->add_option("TORRENT", *magnet_args, ".torrent file")->required();
  magnet->callback([magnet_args, &runner] {
    runner = [magnet_args] {
      std::cout << magnet_uri_for(load_torrent_file(*magnet_args)) << '\n';
      return kExitOk;
    };
  });
}

}  // namespace lt::app
