#pragma once

namespace lt::gui {

// The colour schemes the View menu offers; dark is the default.
enum class Theme { kDark, kLight };

// Sets ImGui's colours for `theme` and leaves every size as it is, so it can switch at any frame.
void apply_theme_colors(Theme theme);

// Rebuilds the whole ImGui style: the project's spacing and rounding, every size multiplied by
// `scale` (the monitor's content scale in window units), then `theme`'s colours. Call it again
// when the window moves to a monitor with another scale.
void apply_style(Theme theme, float scale);

// Replaces the font atlas with one UI font `size` window units tall. `density` is framebuffer
// pixels per window unit (2 on a Retina Mac, 1 elsewhere): glyphs are rasterised at
// `size * density` pixels and drawn at `1 / density`, so text is sharp on every display.
// Uses the first system sans-serif font it finds (it covers dashes, arrows and symbols the
// views use) and falls back to ImGui's built-in font; returns false when it fell back.
// The caller re-uploads the atlas texture afterwards.
bool load_fonts(float size, float density);

// The base font size in window units at content scale 1; every other size derives from it.
inline constexpr float kBaseFontSize = 15.0F;

}  // namespace lt::gui
