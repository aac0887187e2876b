#include "gui/main_view.hpp"

#include <imgui.h>

#include <array>
#include <cstddef>
#include <string>

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

}  // namespace

void MainView::draw() {
  handle_shortcuts();

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
    draw_torrent_table(ImGui::GetContentRegionAvail().y - status_bar_height);
    draw_status_bar();
  }
  ImGui::End();

  // Popups open from the same ID stack level that draws them, not from inside the menu.
  if (about_requested_) {
    ImGui::OpenPopup(kAboutPopup);
    about_requested_ = false;
  }
  draw_about_window();
}

void MainView::handle_shortcuts() {
  if (shortcut_pressed('Q')) {
    quit_requested_ = true;
  }
}

void MainView::draw_menu_bar() {
  if (!ImGui::BeginMenuBar()) {
    return;
  }
  // Items whose feature is not built yet are shown disabled, so the menus keep their final shape.
  constexpr bool kUnavailable = false;
  if (ImGui::BeginMenu("File")) {
    ImGui::MenuItem("Add torrent...", shortcut_label('O').c_str(), false, kUnavailable);
    ImGui::MenuItem("Add magnet...", nullptr, false, kUnavailable);
    ImGui::MenuItem("Create torrent...", nullptr, false, kUnavailable);
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", shortcut_label('Q').c_str())) {
      quit_requested_ = true;
    }
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Tracker")) {
    ImGui::MenuItem("Start local tracker", nullptr, false, kUnavailable);
    ImGui::MenuItem("Tracker window", nullptr, false, kUnavailable);
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
  // Every action needs the engine or a selected torrent, neither of which exists yet.
  ImGui::BeginDisabled();
  ImGui::Button("Add torrent");
  ImGui::SameLine();
  ImGui::Button("Add magnet");
  ImGui::SameLine(0.0F, em(1.5F));
  ImGui::Button("Resume");
  ImGui::SameLine();
  ImGui::Button("Pause");
  ImGui::SameLine();
  ImGui::Button("Remove");
  ImGui::EndDisabled();
}

void MainView::draw_torrent_table(float height) {
  const std::size_t row_count = torrent_count();
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
      sort_column_ = specs->Specs[0].ColumnIndex;
      sort_descending_ = specs->Specs[0].SortDirection == ImGuiSortDirection_Descending;
    }
    specs->SpecsDirty = false;
  }
  ImGui::EndTable();
  if (row_count > 0) {
    return;
  }

  // The empty list explains how to fill it, centred in the table.
  const char* hint =
      glyph_or(0x2014, "No torrents yet — File > Add torrent, or drop a .torrent file here",
               "No torrents yet - File > Add torrent, or drop a .torrent file here");
  const ImVec2 text_size = ImGui::CalcTextSize(hint);
  const ImVec2 text_pos(top_left.x + (size.x - text_size.x) * 0.5F,
                        top_left.y + (size.y - text_size.y) * 0.5F);
  ImGui::GetWindowDrawList()->AddText(text_pos, ImGui::GetColorU32(ImGuiCol_TextDisabled), hint);
}

void MainView::draw_status_bar() {
  const std::size_t count = torrent_count();
  ImGui::Separator();
  const char* dot = glyph_or(0x00B7, "·", "|");
  ImGui::Text("Like-Torrent %s %s DHT off %s %zu %s", LT_VERSION, dot, dot, count,
              count == 1 ? "torrent" : "torrents");
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
