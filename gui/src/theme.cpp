#include "gui/theme.hpp"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <system_error>

namespace lt::gui {
namespace {

// Latin-1, general punctuation (dashes, bullets, ellipsis), arrows, mathematical operators
// (infinity for an unknown ETA) and geometric shapes (play/pause/stop marks). ImGui keeps a
// pointer to this array for the atlas' lifetime, hence static storage.
constexpr std::array<ImWchar, 11> kGlyphRanges = {
    0x0020, 0x00FF, 0x2000, 0x206F, 0x2190, 0x21FF, 0x2200, 0x22FF, 0x25A0, 0x25FF, 0,
};

// System sans-serif fonts with those glyphs, most common first. Checked before loading because
// ImGui asserts on a missing file.
constexpr std::array kFontCandidates = {
#if defined(_WIN32)
    "C:/Windows/Fonts/segoeui.ttf",
    "C:/Windows/Fonts/arial.ttf",
#elif defined(__APPLE__)
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
#else
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
#endif
};

// ImGui's built-in font is a pixel font drawn for 13 px; only whole multiples stay crisp.
constexpr float kBuiltinFontPixels = 13.0F;

// Sizes below are in ems of the base font, so the layout keeps its proportions at any scale.
constexpr float em(float ems) {
  return ems * kBaseFontSize;
}

bool is_file(const char* path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

}  // namespace

void apply_theme_colors(Theme theme) {
  ImGuiStyle& style = ImGui::GetStyle();
  ImVec4* colors = style.Colors;
  if (theme == Theme::kLight) {
    ImGui::StyleColorsLight(&style);
    colors[ImGuiCol_WindowBg] = ImVec4(0.96F, 0.96F, 0.97F, 1.0F);
    colors[ImGuiCol_MenuBarBg] = ImVec4(0.90F, 0.90F, 0.92F, 1.0F);
    colors[ImGuiCol_TableHeaderBg] = ImVec4(0.88F, 0.89F, 0.92F, 1.0F);
    return;
  }
  ImGui::StyleColorsDark(&style);
  colors[ImGuiCol_WindowBg] = ImVec4(0.11F, 0.12F, 0.13F, 1.0F);
  colors[ImGuiCol_PopupBg] = ImVec4(0.13F, 0.14F, 0.16F, 0.98F);
  colors[ImGuiCol_MenuBarBg] = ImVec4(0.15F, 0.16F, 0.18F, 1.0F);
  colors[ImGuiCol_TableHeaderBg] = ImVec4(0.17F, 0.19F, 0.22F, 1.0F);
  colors[ImGuiCol_TableRowBgAlt] = ImVec4(1.0F, 1.0F, 1.0F, 0.03F);
}

void apply_style(Theme theme, float scale) {
  ImGuiStyle& style = ImGui::GetStyle();
  style = ImGuiStyle();
  style.WindowPadding = ImVec2(em(0.5F), em(0.5F));
  style.FramePadding = ImVec2(em(0.45F), em(0.25F));
  style.ItemSpacing = ImVec2(em(0.5F), em(0.35F));
  style.ItemInnerSpacing = ImVec2(em(0.35F), em(0.3F));
  style.CellPadding = ImVec2(em(0.4F), em(0.2F));
  style.ScrollbarSize = em(0.9F);
  style.GrabMinSize = em(0.7F);
  style.WindowRounding = em(0.3F);
  style.ChildRounding = em(0.2F);
  style.FrameRounding = em(0.2F);
  style.PopupRounding = em(0.2F);
  style.ScrollbarRounding = em(0.4F);
  style.GrabRounding = em(0.2F);
  style.TabRounding = em(0.2F);
  style.ScaleAllSizes(scale);
  apply_theme_colors(theme);
}

bool load_fonts(float size, float density) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  io.FontGlobalScale = 1.0F / density;
  const float pixels = std::round(size * density);
  for (const char* path : kFontCandidates) {
    if (is_file(path) &&
        io.Fonts->AddFontFromFileTTF(path, pixels, nullptr, kGlyphRanges.data()) != nullptr) {
      return true;
    }
  }
  ImFontConfig config;
  config.SizePixels = kBuiltinFontPixels * std::max(1.0F, std::round(pixels / kBuiltinFontPixels));
  io.Fonts->AddFontDefault(&config);
  return false;
}

}  // namespace lt::gui
