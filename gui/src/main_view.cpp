#include "gui/main_view.hpp"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/human_format.hpp"
#include "core/piece_map_bins.hpp"

namespace lt::gui {
namespace {

constexpr const char* kAboutPopup = "About Like-Torrent";

// One column of the torrent table; widths are in ems so they follow the font size.
struct Column {
  const char* label;
  float width_em;
  ImGuiTableColumnFlags flags;
};

constexpr ImGuiTableColumnFlags kFixed = ImGuiTableColumnFlags_WidthFixed;
constexpr std::array<Column, 9> kColumns = {{
    {"Name", 0.0F,
     ImGuiTableColumnFlags_WidthStretch | ImGuiTableColumnFlags_NoHide |
         ImGuiTableColumnFlags_DefaultSort},
    {"Size", 5.5F, kFixed},
    {"Progress", 8.0F, kFixed},
    {"State", 6.5F, kFixed},
    {"Seeds/Peers", 7.0F, kFixed},
    {"Down", 6.0F, kFixed | ImGuiTableColumnFlags_PreferSortDescending},
    {"Up", 6.0F, kFixed | ImGuiTableColumnFlags_PreferSortDescending},
    {"ETA", 5.0F, kFixed},
    {"Ratio", 4.0F, kFixed | ImGuiTableColumnFlags_PreferSortDescending},
}};

float em(float ems) {
  return ems * ImGui::GetFontSize();
}

// ImGui's built-in fallback font lacks some punctuation; plain ASCII stands in for it there.
const char* glyph_or(ImWchar glyph, const char* text, const char* ascii_text) {
  return ImGui::GetFont()->FindGlyphNoFallback(glyph) != nullptr ? text : ascii_text;
}

// The platform's shortcut modifier: Cmd on macOS (where ImGui enables its Mac behaviours), Ctrl
// elsewhere.
bool shortcut_modifier_down() {
  const ImGuiIO& io = ImGui::GetIO();
  return io.ConfigMacOSXBehaviors ? io.KeySuper : io.KeyCtrl;
}

std::string shortcut_label(char letter) {
  return std::string(ImGui::GetIO().ConfigMacOSXBehaviors ? "Cmd+" : "Ctrl+") + letter;
}

// ImGui 1.86 indexes keys by the platform backend's key codes, and GLFW (like Win32) codes a
// letter key as its ASCII capital.
bool shortcut_pressed(char letter) {
  return shortcut_modifier_down() && ImGui::IsKeyPressed(letter, false);
}

std::string rate_text(double bytes_per_second) {
  if (bytes_per_second < 1) return "-";
  return format_bytes(static_cast<std::int64_t>(bytes_per_second)) + "/s";
}

std::string eta_text(const engine::TorrentStatus& s) {
  const auto eta = eta_seconds(s);
  if (!eta) return "-";
  const std::int64_t t = *eta;
  char buffer[32];
  if (t >= 86400) {
    std::snprintf(buffer, sizeof buffer, "%lldd %lldh", static_cast<long long>(t / 86400),
                  static_cast<long long>(t / 3600 % 24));
  } else if (t >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%lldh %lldm", static_cast<long long>(t / 3600),
                  static_cast<long long>(t / 60 % 60));
  } else {
    std::snprintf(buffer, sizeof buffer, "%lldm %llds", static_cast<long long>(t / 60),
                  static_cast<long long>(t % 60));
  }
  return buffer;
}

// The bar shows the check's progress while checking, else the ViewModel's progress (the one
// the Progress column sorts by).
float progress_of(const engine::TorrentStatus& s) {
  if (s.state == TorrentState::checking && s.wanted_bytes > 0) {
    return static_cast<float>(s.checked_bytes) / static_cast<float>(s.wanted_bytes);
  }
  return static_cast<float>(progress_fraction(s));
}

bool is_paused_or_held(TorrentState s) {
  return s == TorrentState::paused || s == TorrentState::stopped || s == TorrentState::queued ||
         s == TorrentState::error || s == TorrentState::missing_files;
}

// Piece map colours (RGBA): missing, in flight, have.
const ImVec4 kMissing(0.22F, 0.24F, 0.28F, 1.0F);
const ImVec4 kInFlight(0.95F, 0.75F, 0.20F, 1.0F);
const ImVec4 kHave(0.25F, 0.70F, 0.35F, 1.0F);

ImU32 mix_bin(const PieceBin& bin) {
  const float r = kMissing.x * bin.missing + kInFlight.x * bin.downloading + kHave.x * bin.have;
  const float g = kMissing.y * bin.missing + kInFlight.y * bin.downloading + kHave.y * bin.have;
  const float b = kMissing.z * bin.missing + kInFlight.z * bin.downloading + kHave.z * bin.have;
  return ImGui::ColorConvertFloat4ToU32(ImVec4(r, g, b, 1.0F));
}

// Availability strip: red for pieces nobody connected has, orange for a single source, then
// greyer as copies grow.
ImU32 availability_colour(std::uint8_t copies) {
  if (copies == 0) return IM_COL32(210, 50, 50, 255);
  if (copies == 1) return IM_COL32(230, 140, 40, 255);
  const int grey = std::min(200, 90 + 20 * copies);
  return IM_COL32(grey / 2, grey / 2 + 20, grey, 255);
}

// Cells drawn at most in the piece map (see draw_pieces).
constexpr std::size_t kMaxPieceCells = 8000;

constexpr std::array<SortColumn, 9> kSortColumns = {
    SortColumn::name,    SortColumn::size,  SortColumn::progress,
    SortColumn::state,   SortColumn::peers, SortColumn::down_rate,
    SortColumn::up_rate, SortColumn::eta,   SortColumn::ratio};

}  // namespace

void MainView::draw() {
  handle_shortcuts();
  if (!wanted_tab_.empty() && !model_.selected() && !model_.rows().empty()) {
    select(model_.rows().front().hash);
  }

  // The main window covers the whole viewport; it never moves, scrolls or takes a title bar.
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0.0F);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0.0F);
  constexpr ImGuiWindowFlags kFlags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                      ImGuiWindowFlags_NoBringToFrontOnFocus |
                                      ImGuiWindowFlags_MenuBar;
  const bool visible = ImGui::Begin("Like-Torrent##main", nullptr, kFlags);
  ImGui::PopStyleVar(2);
  if (visible) {
    draw_menu_bar();
    draw_toolbar();
    const float status_bar_height = ImGui::GetFrameHeightWithSpacing();
    const float available = ImGui::GetContentRegionAvail().y - status_bar_height;
    const float table_height = model_.selected() ? available * 0.45F : available;
    draw_torrent_table(table_height);
    if (model_.selected()) draw_details(available - table_height - ImGui::GetStyle().ItemSpacing.y);
    draw_status_bar();
  }
  ImGui::End();

  // Popups open from the same ID stack level that draws them, not from inside the menu.
  if (about_requested_) {
    ImGui::OpenPopup(kAboutPopup);
    about_requested_ = false;
  }
  draw_about_window();
  draw_remove_confirmation();
  draw_tracker_window();
  draw_add_dialog();
  draw_settings_dialog();
}

void MainView::draw_settings_dialog() {
  constexpr const char* kPopup = "Settings";
  if (settings_requested_) {
    ImGui::OpenPopup(kPopup);
    settings_requested_ = false;
  }
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->GetCenter(), ImGuiCond_Appearing, ImVec2(0.5F, 0.5F));
  if (!ImGui::BeginPopupModal(kPopup, nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  // The engine remembers these in the database (daemon and window share them).
  ImGui::TextDisabled("Rates in KiB/s, 0 = unlimited; queue sizes -1 = unlimited");
  ImGui::SetNextItemWidth(em(8.0F));
  ImGui::InputInt("Upload limit", &upload_kib_, 64, 1024);
  ImGui::SetNextItemWidth(em(8.0F));
  ImGui::InputInt("Download limit", &download_kib_, 64, 1024);
  ImGui::SetNextItemWidth(em(8.0F));
  ImGui::InputInt("Active downloads", &max_downloads_);
  ImGui::SetNextItemWidth(em(8.0F));
  ImGui::InputInt("Active seeds", &max_seeds_);
  upload_kib_ = std::clamp(upload_kib_, 0, 1 << 30);
  download_kib_ = std::clamp(download_kib_, 0, 1 << 30);
  max_downloads_ = std::clamp(max_downloads_, -1, 100000);
  max_seeds_ = std::clamp(max_seeds_, -1, 100000);
  int theme = theme_ == Theme::kDark ? 0 : 1;
  ImGui::TextUnformatted("Theme");
  ImGui::SameLine();
  ImGui::RadioButton("Dark", &theme, 0);
  ImGui::SameLine();
  ImGui::RadioButton("Light", &theme, 1);
  const Theme chosen = theme == 0 ? Theme::kDark : Theme::kLight;
  if (chosen != theme_) {
    theme_ = chosen;
    apply_theme_colors(theme_);
  }
  if (ImGui::Button("Apply")) {
    post_(engine::SetRateLimit{std::nullopt, std::int64_t{upload_kib_} * 1024,
                               std::int64_t{download_kib_} * 1024});
    post_(engine::SetQueueLimits{max_downloads_, max_seeds_});
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

void MainView::open_add_dialog() {
  const char* home = std::getenv("HOME");  // NOLINT(concurrency-mt-unsafe): read on the UI thread
  browser_ = std::make_unique<FileBrowser>(home != nullptr ? home : ".", ".torrent");
  save_dir_text_ = default_save_dir_.string();
  add_requested_ = true;
}

void MainView::draw_add_dialog() {
  constexpr const char* kPopup = "Add torrent";
  if (add_requested_) {
    ImGui::OpenPopup(kPopup);
    add_requested_ = false;
  }
  if (!browser_) return;
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->GetCenter(), ImGuiCond_Appearing, ImVec2(0.5F, 0.5F));
  ImGui::SetNextWindowSize(ImVec2(em(40.0F), 0.0F), ImGuiCond_Appearing);
  if (!ImGui::BeginPopupModal(kPopup, nullptr, 0)) {
    browser_.reset();
    return;
  }
  bool add = browser_->draw(em(16.0F));
  ImGui::Text("Torrent: %s", browser_->chosen().empty()
                                 ? "(choose a .torrent file)"
                                 : browser_->chosen().filename().string().c_str());
  std::array<char, 1024> buffer{};
  save_dir_text_.copy(buffer.data(), buffer.size() - 1);
  ImGui::SetNextItemWidth(-em(8.0F));
  if (ImGui::InputText("Save to", buffer.data(), buffer.size())) save_dir_text_ = buffer.data();
  ImGui::Checkbox("Start paused", &add_paused_);
  ImGui::BeginDisabled(browser_->chosen().empty());
  add = ImGui::Button("Add") || add;
  ImGui::EndDisabled();
  ImGui::SameLine();
  const bool cancel =
      ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape));
  if (add && !browser_->chosen().empty()) {
    add_file_(browser_->chosen(), std::filesystem::path(save_dir_text_), add_paused_);
  }
  if ((add && !browser_->chosen().empty()) || cancel) {
    browser_.reset();
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

void MainView::draw_tracker_window() {
  if (!tracker_window_open_) return;
  ImGui::SetNextWindowSize(ImVec2(em(26.0F), 0.0F), ImGuiCond_FirstUseEver);
  if (ImGui::Begin("Local tracker", &tracker_window_open_)) {
    if (tracker_.running) {
      const std::string url = "http://127.0.0.1:" + std::to_string(tracker_.port) + "/announce";
      ImGui::Text("Running on port %u", static_cast<unsigned>(tracker_.port));
      ImGui::TextUnformatted(url.c_str());
      ImGui::SameLine();
      if (ImGui::SmallButton("Copy")) ImGui::SetClipboardText(url.c_str());
      ImGui::Text("%zu swarms, %zu peers (%zu seeders, %zu leechers)", tracker_.swarms,
                  tracker_.peers, tracker_.seeders, tracker_.leechers);
      ImGui::Text("%.1f announces per second", tracker_.announces_per_second);
      if (tracker_toggle_ && ImGui::Button("Stop")) tracker_toggle_(false);
    } else {
      ImGui::TextUnformatted("Not running.");
      if (!tracker_.error.empty()) {
        ImGui::TextColored(ImVec4(0.95F, 0.45F, 0.40F, 1.0F), "%s", tracker_.error.c_str());
      }
      if (tracker_toggle_ && ImGui::Button("Start")) tracker_toggle_(true);
    }
  }
  ImGui::End();
}

void MainView::select(const InfoHash& hash) {
  model_.select(hash);
  post_(engine::Select{hash});
}

void MainView::toggle_selected() {
  const auto& selected = model_.selected();
  if (!selected) return;
  const TorrentRow* row = model_.find(*selected);
  if (row == nullptr) return;
  if (is_paused_or_held(row->status.state)) {
    post_(engine::Resume{row->hash});
  } else {
    post_(engine::Pause{row->hash});
  }
}

void MainView::handle_shortcuts() {
  if (shortcut_pressed('Q')) {
    quit_requested_ = true;
  }
  if (shortcut_pressed('O') && add_file_) open_add_dialog();
  // Space and Delete act on the selection, but never while a text field has the keyboard.
  if (ImGui::GetIO().WantTextInput) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false)) toggle_selected();
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Delete), false) && model_.selected()) {
    remove_asked_ = model_.selected();
    remove_requested_ = true;
  }
}
void MainView::draw_menu_bar() {
  if (!ImGui::BeginMenuBar()) {
    return;
  }
  // Items whose feature is not built yet are shown disabled, so the menus keep their final shape.
  constexpr bool kUnavailable = false;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Add torrent...", shortcut_label('O').c_str(), false,
                        static_cast<bool>(add_file_))) {
      open_add_dialog();
    }
    ImGui::MenuItem("Add magnet...", nullptr, false, kUnavailable);
    ImGui::MenuItem("Create torrent...", nullptr, false, kUnavailable);
    if (ImGui::MenuItem("Settings...", nullptr, false, model_.settings().has_value())) {
      const engine::SettingsState& now = *model_.settings();
      upload_kib_ = static_cast<int>(now.upload_limit / 1024);
      download_kib_ = static_cast<int>(now.download_limit / 1024);
      max_downloads_ = now.max_active_downloads;
      max_seeds_ = now.max_active_seeds;
      settings_requested_ = true;
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", shortcut_label('Q').c_str())) {
      quit_requested_ = true;
    }
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Tracker")) {
    const bool can_toggle = static_cast<bool>(tracker_toggle_);
    if (!tracker_.running) {
      if (ImGui::MenuItem("Start local tracker", nullptr, false, can_toggle)) tracker_toggle_(true);
    } else if (ImGui::MenuItem("Stop local tracker", nullptr, false, can_toggle)) {
      tracker_toggle_(false);
    }
    if (ImGui::MenuItem("Copy announce URL", nullptr, false, tracker_.running)) {
      const std::string url = "http://127.0.0.1:" + std::to_string(tracker_.port) + "/announce";
      ImGui::SetClipboardText(url.c_str());
    }
    ImGui::MenuItem("Tracker window", nullptr, &tracker_window_open_);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    if (ImGui::MenuItem("Dark theme", nullptr, theme_ == Theme::kDark)) {
      theme_ = Theme::kDark;
      apply_theme_colors(theme_);
    }
    if (ImGui::MenuItem("Light theme", nullptr, theme_ == Theme::kLight)) {
      theme_ = Theme::kLight;
      apply_theme_colors(theme_);
    }
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    if (ImGui::MenuItem("About Like-Torrent")) {
      about_requested_ = true;
    }
    ImGui::EndMenu();
  }
  ImGui::EndMenuBar();
}

void MainView::draw_toolbar() {
  // Adding from the window (file browser, magnet dialog) arrives with the dialogs; for now
  // torrents come from the command line and the database.
  ImGui::BeginDisabled(!add_file_);
  if (ImGui::Button("Add torrent")) open_add_dialog();
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled();  // magnets arrive with the magnet issue
  ImGui::Button("Add magnet");
  ImGui::EndDisabled();
  ImGui::SameLine(0.0F, em(1.5F));
  const std::optional<InfoHash> selected = model_.selected();
  ImGui::BeginDisabled(!selected);
  if (ImGui::Button("Resume") && selected) post_(engine::Resume{*selected});
  ImGui::SameLine();
  if (ImGui::Button("Pause") && selected) post_(engine::Pause{*selected});
  ImGui::SameLine();
  if (ImGui::Button("Stop") && selected) post_(engine::Stop{*selected});
  ImGui::SameLine();
  if (ImGui::Button("Remove") && selected) post_(engine::Remove{*selected, false});
  ImGui::EndDisabled();
}

void MainView::draw_torrent_table(float height) {
  const std::vector<TorrentRow>& rows = model_.rows();
  const std::size_t row_count = rows.size();
  ImGuiTableFlags flags = ImGuiTableFlags_Resizable | ImGuiTableFlags_Reorderable |
                          ImGuiTableFlags_Hideable | ImGuiTableFlags_Sortable |
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter |
                          ImGuiTableFlags_BordersV | ImGuiTableFlags_ScrollY;
  // Column lines through an empty body would cross the hint drawn there.
  if (row_count == 0) {
    flags |= ImGuiTableFlags_NoBordersInBody;
  }
  const ImVec2 top_left = ImGui::GetCursorScreenPos();
  const ImVec2 size(ImGui::GetContentRegionAvail().x, height);
  if (!ImGui::BeginTable("torrents", static_cast<int>(kColumns.size()), flags, size)) {
    return;
  }

  ImGui::TableSetupScrollFreeze(0, 1);
  for (const Column& column : kColumns) {
    ImGui::TableSetupColumn(column.label, column.flags, em(column.width_em));
  }
  ImGui::TableHeadersRow();
  if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs();
      specs != nullptr && specs->SpecsDirty) {
    if (specs->SpecsCount > 0) {
      sort_column_ = kSortColumns.at(static_cast<std::size_t>(specs->Specs[0].ColumnIndex));
      sort_descending_ = specs->Specs[0].SortDirection == ImGuiSortDirection_Descending;
    }
    specs->SpecsDirty = false;
  }
  const std::vector<std::size_t> order = sorted_rows(rows, sort_column_, sort_descending_);
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(order.size()));
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const TorrentRow& row = rows[order[static_cast<std::size_t>(i)]];
      const engine::TorrentStatus& s = row.status;
      ImGui::PushID(i);
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      // The progress bar makes the row a frame high: text cells align with it.
      ImGui::AlignTextToFramePadding();
      const bool is_selected = model_.selected() && *model_.selected() == row.hash;
      if (ImGui::Selectable(
              row.name.c_str(), is_selected,
              ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap)) {
        select(row.hash);
      }
      draw_row_menu(row);
      ImGui::TableNextColumn();
      ImGui::AlignTextToFramePadding();
      ImGui::TextUnformatted(format_bytes(row.total_size).c_str());
      ImGui::TableNextColumn();
      char percent[16];
      std::snprintf(percent, sizeof percent, "%.1f%%", 100.0F * progress_of(s));
      ImGui::ProgressBar(progress_of(s), ImVec2(-1.0F, 0.0F), percent);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(row.has_status ? std::string(to_string(s.state)).c_str() : "...");
      ImGui::TableNextColumn();
      ImGui::Text("%d/%d", s.seeds, s.peers);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(rate_text(s.down_rate).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(rate_text(s.up_rate).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(eta_text(s).c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%.2f", share_ratio(s));
      ImGui::PopID();
    }
  }
  ImGui::EndTable();
  if (row_count > 0) {
    return;
  }

  // The empty list explains how to fill it, centred in the table.
  const char* hint =
      glyph_or(0x2014, "No torrents yet — liketorrent gui FILE.torrent, or liketorrent add",
               "No torrents yet - liketorrent gui FILE.torrent, or liketorrent add");
  const ImVec2 text_size = ImGui::CalcTextSize(hint);
  const ImVec2 text_pos(top_left.x + (size.x - text_size.x) * 0.5F,
                        top_left.y + (size.y - text_size.y) * 0.5F);
  ImGui::GetWindowDrawList()->AddText(text_pos, ImGui::GetColorU32(ImGuiCol_TextDisabled), hint);
}

void MainView::draw_row_menu(const TorrentRow& row) {
  if (!ImGui::BeginPopupContextItem("row menu")) return;
  if (!model_.selected() || *model_.selected() != row.hash) select(row.hash);
  if (ImGui::MenuItem("Resume")) post_(engine::Resume{row.hash});
  if (ImGui::MenuItem("Pause")) post_(engine::Pause{row.hash});
  if (ImGui::MenuItem("Stop")) post_(engine::Stop{row.hash});
  ImGui::Separator();
  if (ImGui::MenuItem("Force recheck")) post_(engine::Recheck{row.hash});
  if (ImGui::MenuItem("Force reannounce")) post_(engine::Reannounce{row.hash});
  ImGui::Separator();
  if (ImGui::MenuItem("Remove")) post_(engine::Remove{row.hash, false});
  if (ImGui::MenuItem("Remove with data...")) {
    remove_asked_ = row.hash;
    remove_requested_ = true;
  }
  ImGui::Separator();
  if (ImGui::MenuItem("Copy info-hash")) ImGui::SetClipboardText(row.hash.hex().c_str());
  ImGui::EndPopup();
}

void MainView::draw_remove_confirmation() {
  constexpr const char* kPopup = "Remove with data?";
  if (remove_requested_) {
    ImGui::OpenPopup(kPopup);
    remove_requested_ = false;
  }
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->GetCenter(), ImGuiCond_Appearing, ImVec2(0.5F, 0.5F));
  if (!ImGui::BeginPopupModal(kPopup, nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  const TorrentRow* row = remove_asked_ ? model_.find(*remove_asked_) : nullptr;
  if (row == nullptr) {
    ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return;
  }
  ImGui::Text("Remove %s and delete its downloaded files?", row->name.c_str());
  if (ImGui::Button("Remove and delete files")) {
    post_(engine::Remove{row->hash, true});
    remove_asked_.reset();
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Remove, keep files")) {
    post_(engine::Remove{row->hash, false});
    remove_asked_.reset();
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    remove_asked_.reset();
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

void MainView::draw_details(float height) {
  const TorrentRow* row = model_.find(*model_.selected());
  if (row == nullptr) return;
  if (!ImGui::BeginChild("details", ImVec2(0.0F, height), true)) {
    ImGui::EndChild();
    return;
  }
  if (ImGui::BeginTabBar("detail tabs")) {
    const auto tab = [&](const char* label, const char* key) {
      ImGuiTabItemFlags flags = 0;
      if (wanted_tab_ == key) {
        flags |= ImGuiTabItemFlags_SetSelected;
      }
      return ImGui::BeginTabItem(label, nullptr, flags);
    };
    if (tab("General", "general")) {
      draw_general(*row);
      ImGui::EndTabItem();
    }
    if (tab("Pieces", "pieces")) {
      draw_pieces(*row);
      ImGui::EndTabItem();
    }
    if (tab("Peers", "peers")) {
      draw_peers();
      ImGui::EndTabItem();
    }
    if (tab("Files", "files")) {
      draw_files(*row);
      ImGui::EndTabItem();
    }
    if (tab("Speed", "speed")) {
      draw_speed();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
    if (!wanted_tab_.empty() && model_.selected()) wanted_tab_ = "done";
  }
  ImGui::EndChild();
}

void MainView::draw_general(const TorrentRow& row) {
  const engine::TorrentStatus& s = row.status;
  if (!ImGui::BeginTable("general", 2, ImGuiTableFlags_SizingFixedFit)) return;
  const auto field = [](const char* label, const std::string& value) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextDisabled("%s", label);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(value.c_str());
  };
  const engine::TorrentAdded& d = row.details;
  field("Name", row.name);
  field("Save path", d.save_path.empty() ? std::string("-") : d.save_path);
  field("Info-hash", row.hash.hex());
  field("Size", format_bytes(row.total_size));
  field("Pieces", std::to_string(s.pieces_have) + " of " + std::to_string(row.num_pieces) +
                      (d.piece_length > 0 ? " x " + format_bytes(d.piece_length) : std::string()));
  if (!d.comment.empty()) field("Comment", d.comment);
  if (!d.created_by.empty()) field("Created by", d.created_by);
  if (d.creation_date > 0) field("Created on", format_utc(d.creation_date));
  field("Private", d.is_private ? "yes (no DHT/PEX)" : "no");
  field("State", std::string(to_string(s.state)));
  field("Downloaded",
        format_bytes(s.total_downloaded) + " (" + format_bytes(s.downloaded) + " this session)");
  field("Uploaded",
        format_bytes(s.total_uploaded) + " (" + format_bytes(s.uploaded) + " this session)");
  field("Wasted", format_bytes(s.wasted));
  field("Tracker", s.tracker_status.empty() ? std::string("-") : s.tracker_status);
  field("Swarm", s.swarm_seeds < 0 ? std::string("-")
                                   : std::to_string(s.swarm_seeds) + " seeds, " +
                                         std::to_string(s.swarm_leechers) + " leechers");
  field("Time active", std::to_string(s.active_seconds / 60) + " min (seeding " +
                           std::to_string(s.seeding_seconds / 60) + " min)");
  const std::string& error = !s.error.empty() ? s.error : row.last_error;
  if (!error.empty()) field("Error", error);
  ImGui::EndTable();
  if (!d.magnet.empty() && ImGui::Button("Copy magnet link")) {
    ImGui::SetClipboardText(d.magnet.c_str());
  }
}

void MainView::draw_files(const TorrentRow& row) {
  const engine::TorrentAdded& d = row.details;
  if (d.files.empty()) {
    ImGui::TextDisabled("no file list yet");
    return;
  }
  const engine::PieceSnapshot* pieces = model_.pieces();
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_Resizable | ImGuiTableFlags_RowBg |
                                     ImGuiTableFlags_BordersV | ImGuiTableFlags_ScrollY;
  if (!ImGui::BeginTable("files", 4, kFlags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("Path", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("Size", ImGuiTableColumnFlags_WidthFixed, em(6.0F));
  ImGui::TableSetupColumn("Progress", ImGuiTableColumnFlags_WidthFixed, em(8.0F));
  ImGui::TableSetupColumn("Priority", ImGuiTableColumnFlags_WidthFixed, em(7.0F));
  ImGui::TableHeadersRow();
  constexpr std::array<std::pair<Priority, const char*>, 4> kPriorities = {{
      {Priority::skip, "Skip"},
      {Priority::low, "Low"},
      {Priority::normal, "Normal"},
      {Priority::high, "High"},
  }};
  for (std::size_t i = 0; i < d.files.size(); ++i) {
    const engine::AddedFile& f = d.files[i];
    if (f.pad) continue;
    ImGui::PushID(static_cast<int>(i));
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(f.path.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(format_bytes(f.size).c_str());
    ImGui::TableNextColumn();
    // Progress from the piece map: the share of the pieces it touches that we have.
    float done = 0.0F;
    if (pieces != nullptr && d.piece_length > 0 && f.size > 0) {
      const auto first = static_cast<std::size_t>(f.offset / d.piece_length);
      const auto last = static_cast<std::size_t>((f.offset + f.size - 1) / d.piece_length);
      std::size_t have = 0;
      for (std::size_t p = first; p <= last && p < pieces->state.size(); ++p)
        have += pieces->state[p] == 2 ? 1 : 0;
      done = static_cast<float>(have) / static_cast<float>(last - first + 1);
    }
    ImGui::ProgressBar(done, ImVec2(-1.0F, 0.0F));
    ImGui::TableNextColumn();
    const Priority current = i < d.priorities.size() ? d.priorities[i] : Priority::normal;
    const char* label = "Normal";
    for (const auto& [value, name] : kPriorities)
      if (value == current) label = name;
    ImGui::SetNextItemWidth(-1.0F);
    if (ImGui::BeginCombo("##priority", label)) {
      for (const auto& [value, name] : kPriorities) {
        if (ImGui::Selectable(name, value == current) && value != current) {
          post_(engine::SetFilePriority{row.hash, FileIndex{static_cast<std::int32_t>(i)}, value});
          model_.note_file_priority(row.hash, i, value);
        }
      }
      ImGui::EndCombo();
    }
    ImGui::PopID();
  }
  ImGui::EndTable();
}

void MainView::draw_speed() {
  // The last 5 minutes, one sample per second at most (ViewModel): this torrent, then overall.
  const auto plot = [](const char* label, const std::deque<ViewModel::SpeedSample>& samples,
                       float height) {
    std::vector<float> down;
    std::vector<float> up;
    float top = 1024.0F;
    for (const auto& sample : samples) {
      down.push_back(static_cast<float>(sample.down));
      up.push_back(static_cast<float>(sample.up));
      top = std::max({top, down.back(), up.back()});
    }
    const double last_down = samples.empty() ? 0.0 : samples.back().down;
    const double last_up = samples.empty() ? 0.0 : samples.back().up;
    ImGui::Text("%s: down %s, up %s (scale %s)", label, rate_text(last_down).c_str(),
                rate_text(last_up).c_str(), rate_text(top).c_str());
    const float width = ImGui::GetContentRegionAvail().x;
    ImGui::PlotLines("##down", down.data(), static_cast<int>(down.size()), 0, nullptr, 0.0F,
                     top * 1.05F, ImVec2(width, height));
    ImGui::PlotLines("##up", up.data(), static_cast<int>(up.size()), 0, nullptr, 0.0F, top * 1.05F,
                     ImVec2(width, height));
  };
  const float height = std::max(em(2.0F), (ImGui::GetContentRegionAvail().y - em(5.0F)) / 4.0F);
  ImGui::PushID("selected");
  plot("This torrent", model_.selected_speed(), height);
  ImGui::PopID();
  ImGui::PushID("total");
  plot("All torrents", model_.total_speed(), height);
  ImGui::PopID();
}

void MainView::draw_pieces(const TorrentRow& row) {
  const engine::PieceSnapshot* snapshot = model_.pieces();
  if (snapshot == nullptr || snapshot->state.empty()) {
    ImGui::TextDisabled("waiting for the piece map of %s...", row.name.c_str());
    return;
  }
  const float strip = em(0.5F);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float map_height = std::max(0.0F, avail.y - strip - em(0.5F));
  // ImGui's draw lists use 16-bit indices (65,536 vertices per window): the cells on screen are
  // capped (4 vertices each, plus the strip), so a big torrent gets bigger bins, not a crash.
  const float min_cell =
      std::max(em(0.4F), std::sqrt(avail.x * map_height / static_cast<float>(kMaxPieceCells)));
  const PieceGrid grid = layout_piece_grid(snapshot->state.size(), avail.x, map_height, min_cell);
  if (grid.cells == 0) return;
  // Bins come from a pure function (core/piece_map_bins.hpp): one rectangle per cell, never
  // one widget per piece, so 100,000 pieces cost the same as the cells on screen.
  const std::vector<PieceBin> bins =
      bin_pieces(snapshot->state, snapshot->availability, grid.cells);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float gap = grid.cell >= 6.0F ? 1.0F : 0.0F;
  const float map_top = origin.y + strip + em(0.25F);
  // Availability strip across the whole width, one segment per grid column's worth of pieces.
  const std::vector<PieceBin> strip_bins =
      bin_pieces(snapshot->state, snapshot->availability,
                 std::min<std::size_t>(static_cast<std::size_t>(grid.columns), bins.size()));
  const float segment = avail.x / static_cast<float>(strip_bins.size());
  for (std::size_t i = 0; i < strip_bins.size(); ++i) {
    const float x = origin.x + segment * static_cast<float>(i);
    // Pieces we have need no source: neutral, so a lone seeder's strip is not all red.
    const ImU32 colour = strip_bins[i].have >= 1.0F
                             ? ImGui::GetColorU32(ImGuiCol_FrameBg)
                             : availability_colour(strip_bins[i].min_availability);
    draw->AddRectFilled(ImVec2(x, origin.y), ImVec2(x + segment + 0.5F, origin.y + strip), colour);
  }
  for (std::size_t i = 0; i < bins.size(); ++i) {
    const auto column = static_cast<float>(i % static_cast<std::size_t>(grid.columns));
    const auto line = static_cast<float>(i / static_cast<std::size_t>(grid.columns));
    const ImVec2 a(origin.x + column * grid.cell, map_top + line * grid.cell);
    draw->AddRectFilled(a, ImVec2(a.x + grid.cell - gap, a.y + grid.cell - gap), mix_bin(bins[i]));
  }
  const ImVec2 map_size(static_cast<float>(grid.columns) * grid.cell,
                        static_cast<float>(grid.rows) * grid.cell);
  ImGui::SetCursorScreenPos(ImVec2(origin.x, map_top));
  ImGui::InvisibleButton("piece map",
                         ImVec2(std::max(1.0F, map_size.x), std::max(1.0F, map_size.y)));
  if (ImGui::IsItemHovered()) {
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const int column = static_cast<int>((mouse.x - origin.x) / grid.cell);
    const int line = static_cast<int>((mouse.y - map_top) / grid.cell);
    const auto cell = static_cast<std::size_t>(line * grid.columns + column);
    if (column >= 0 && column < grid.columns && line >= 0 && cell < bins.size()) {
      const PieceBin& bin = bins[cell];
      ImGui::BeginTooltip();
      if (bin.first_piece == bin.last_piece) {
        const auto p = static_cast<std::size_t>(bin.first_piece);
        const std::uint8_t st = snapshot->state[p];
        ImGui::Text("piece %d: %s, on %d peer(s)", bin.first_piece,
                    st == 2   ? "have"
                    : st == 1 ? "downloading"
                              : "missing",
                    static_cast<int>(snapshot->availability[p]));
      } else {
        ImGui::Text("pieces %d-%d: %.0f%% have, %.0f%% in flight; rarest on %d peer(s)",
                    bin.first_piece, bin.last_piece, 100.0F * bin.have, 100.0F * bin.downloading,
                    static_cast<int>(bin.min_availability));
      }
      ImGui::EndTooltip();
    }
  }
}

void MainView::draw_peers() {
  const engine::PeerSnapshot* snapshot = model_.peers();
  if (snapshot == nullptr || snapshot->peers.empty()) {
    ImGui::TextDisabled("no connected peers");
    return;
  }
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_Resizable | ImGuiTableFlags_RowBg |
                                     ImGuiTableFlags_BordersV | ImGuiTableFlags_ScrollY;
  if (!ImGui::BeginTable("peers", 7, kFlags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("Address");
  ImGui::TableSetupColumn("Client");
  ImGui::TableSetupColumn("Flags");
  ImGui::TableSetupColumn("Progress");
  ImGui::TableSetupColumn("Down");
  ImGui::TableSetupColumn("Up");
  ImGui::TableSetupColumn("Downloaded");
  ImGui::TableHeadersRow();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(snapshot->peers.size()));
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const engine::PeerInfo& p = snapshot->peers[static_cast<std::size_t>(i)];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(p.address.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(p.client.c_str());
      ImGui::TableNextColumn();
      // libtorrent's letters: D/d we want/are choked, U/u they want/are choked, I incoming.
      std::string flags;
      if (p.am_interested) flags += p.peer_choking ? 'd' : 'D';
      if (p.peer_interested) flags += p.am_choking ? 'u' : 'U';
      if (p.snubbed) flags += 'S';
      if (p.incoming) flags += 'I';
      ImGui::TextUnformatted(flags.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%.0f%%", 100.0F * p.progress);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(rate_text(p.down_rate).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(rate_text(p.up_rate).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(format_bytes(p.downloaded).c_str());
    }
  }
  ImGui::EndTable();
}

void MainView::draw_status_bar() {
  const std::size_t count = model_.rows().size();
  ImGui::Separator();
  const char* dot = glyph_or(0x00B7, "·", "|");
  std::string port = model_.listen_port() ? "port " + std::to_string(*model_.listen_port())
                     : model_.listen_error().empty() ? std::string("port -")
                                                     : model_.listen_error();
  if (tracker_.running)
    port += std::string(" ") + dot + " tracker :" + std::to_string(tracker_.port);
  ImGui::Text("Down %s %s Up %s %s %d %s %s %zu %s %s %s",
              rate_text(model_.total_down_rate()).c_str(), dot,
              rate_text(model_.total_up_rate()).c_str(), dot, model_.total_peers(),
              model_.total_peers() == 1 ? "peer" : "peers", dot, count,
              count == 1 ? "torrent" : "torrents", dot, port.c_str());
  if (!model_.notifications().empty()) {
    const Notification& last = model_.notifications().back();
    ImGui::SameLine();
    ImGui::TextColored(last.error ? ImVec4(0.95F, 0.45F, 0.40F, 1.0F)
                                  : ImGui::GetStyle().Colors[ImGuiCol_TextDisabled],
                       "%s %s", dot, last.text.c_str());
  }
}

void MainView::draw_about_window() {
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->GetCenter(), ImGuiCond_Appearing, ImVec2(0.5F, 0.5F));
  if (!ImGui::BeginPopupModal(kAboutPopup, nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    return;
  }
  ImGui::Text("Like-Torrent %s", LT_VERSION);
  ImGui::TextUnformatted("A BitTorrent client with a built-in HTTP tracker.");
  ImGui::Spacing();
  ImGui::TextDisabled("Dear ImGui %s", ImGui::GetVersion());
  ImGui::Spacing();
  if (ImGui::Button("Close", ImVec2(em(6.0F), 0.0F)) ||
      ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false)) {
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

}  // namespace lt::gui
