// Headless view tests: a real ImGui context with no window or GPU (fonts built, frames drawn,
// draw data discarded) drives MainView the way a user does. ImGui 1.86 has no input-event API
// and no test engine, so a click is io.MousePos + io.MouseDown across frames, and a widget is
// found by moving the mouse until ImGui reports it hovered (its ID from the window's ID stack).

#include <gtest/gtest.h>
#include <imgui.h>
#include <imgui_internal.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/engine_commands.hpp"
#include "core/engine_events.hpp"
#include "core/view_model.hpp"
#include "gui/main_view.hpp"

namespace lt {
namespace {

class HeadlessImGui {
 public:
  HeadlessImGui() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(1280.0F, 800.0F);
    io.DeltaTime = 1.0F / 60.0F;
    io.IniFilename = nullptr;
    io.Fonts->AddFontDefault();
    unsigned char* pixels = nullptr;
    int width = 0;
    int height = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &width, &height);
    // The GLFW backend maps ImGuiKey_* to GLFW key codes; any distinct indexes do here.
    io.KeyMap[ImGuiKey_Space] = 32;
    io.KeyMap[ImGuiKey_Delete] = 261;
    io.KeyMap[ImGuiKey_Escape] = 256;
    io.KeyMap[ImGuiKey_Enter] = 257;
    io.KeyMap[ImGuiKey_A] = 'A';
  }
  ~HeadlessImGui() { ImGui::DestroyContext(); }
  HeadlessImGui(const HeadlessImGui&) = delete;
  HeadlessImGui& operator=(const HeadlessImGui&) = delete;

  void frame(gui::MainView& view) {
    ImGui::NewFrame();
    view.draw();
    ImGui::Render();
  }

  // Moves the mouse over the top-level widget `label` of the main window; false when no
  // position in the window's top `height` pixels hovers it.
  bool hover(gui::MainView& view, const char* label, float height,
             const char* window_name = "Like-Torrent##main") {
    frame(view);
    ImGuiWindow* window = ImGui::FindWindowByName(window_name);
    if (window == nullptr) return false;
    const ImGuiID id = window->GetID(label);
    ImGuiIO& io = ImGui::GetIO();
    const float top = window->Pos.y;
    for (float y = top + 2.0F; y < top + height; y += 4.0F) {
      for (float x = 2.0F; x < io.DisplaySize.x; x += 6.0F) {
        io.MousePos = ImVec2(x, y);
        frame(view);
        if (ImGui::GetCurrentContext()->HoveredIdPreviousFrame == id) return true;
      }
    }
    return false;
  }

  // Presses and releases the left button where the mouse is.
  void click(gui::MainView& view) {
    ImGuiIO& io = ImGui::GetIO();
    io.MouseDown[0] = true;
    frame(view);
    io.MouseDown[0] = false;
    frame(view);
  }

  void press_key(gui::MainView& view, int key, bool ctrl = false) {
    ImGuiIO& io = ImGui::GetIO();
    io.KeyCtrl = ctrl;
    io.KeysDown[key] = true;
    frame(view);
    io.KeysDown[key] = false;
    io.KeyCtrl = false;
    frame(view);
  }

  void type(gui::MainView& view, const std::string& text) {
    for (const char c : text)
      ImGui::GetIO().AddInputCharacter(static_cast<unsigned char>(c));
    frame(view);
  }
};

InfoHash hash_of(std::uint8_t byte) {
  InfoHash h;
  h.bytes.fill(byte);
  return h;
}

engine::TorrentAdded added(const InfoHash& hash, std::string name, std::int64_t size,
                           std::int32_t pieces) {
  engine::TorrentAdded a;
  a.torrent = hash;
  a.name = std::move(name);
  a.total_size = size;
  a.num_pieces = pieces;
  return a;
}

void add_torrent(ViewModel& model, const InfoHash& hash, TorrentState state) {
  model.apply(added(hash, "torrent-" + hash.hex().substr(0, 4), 1 << 20, 4), 0.0);
  engine::TorrentStatus status;
  status.torrent = hash;
  status.state = state;
  status.num_pieces = 4;
  model.apply(engine::StatusDelta{{status}}, 0.0);
}

class MainViewTest : public ::testing::Test {
 protected:
  HeadlessImGui imgui_;
  ViewModel model_;
  std::vector<engine::Command> posted_;
  gui::MainView view_{model_, [this](engine::Command c) { posted_.push_back(std::move(c)); }};
};

TEST_F(MainViewTest, ClickingPausePostsPauseForTheSelectedTorrent) {
  add_torrent(model_, hash_of(1), TorrentState::downloading);
  add_torrent(model_, hash_of(2), TorrentState::downloading);
  model_.select(hash_of(2));
  ASSERT_TRUE(imgui_.hover(view_, "Pause", 120.0F));
  posted_.clear();
  imgui_.click(view_);
  ASSERT_EQ(posted_.size(), 1u);
  const auto* pause = std::get_if<engine::Pause>(&posted_[0]);
  ASSERT_NE(pause, nullptr);
  EXPECT_EQ(pause->torrent, hash_of(2));
}

TEST_F(MainViewTest, ToolbarActionsAreDisabledWithoutASelection) {
  add_torrent(model_, hash_of(1), TorrentState::downloading);
  ASSERT_TRUE(imgui_.hover(view_, "Stop", 120.0F));
  imgui_.click(view_);
  EXPECT_TRUE(posted_.empty());
}

TEST_F(MainViewTest, SpaceTogglesPauseAndResume) {
  add_torrent(model_, hash_of(3), TorrentState::paused);
  model_.select(hash_of(3));
  imgui_.frame(view_);
  imgui_.press_key(view_, 32);
  ASSERT_EQ(posted_.size(), 1u);
  EXPECT_NE(std::get_if<engine::Resume>(&posted_[0]), nullptr);
  add_torrent(model_, hash_of(3), TorrentState::seeding);
  imgui_.press_key(view_, 32);
  ASSERT_EQ(posted_.size(), 2u);
  EXPECT_NE(std::get_if<engine::Pause>(&posted_[1]), nullptr);
}

TEST_F(MainViewTest, DeleteAsksBeforeRemovingWithData) {
  add_torrent(model_, hash_of(4), TorrentState::seeding);
  model_.select(hash_of(4));
  imgui_.frame(view_);
  imgui_.press_key(view_, 261);
  EXPECT_TRUE(posted_.empty());  // only the confirmation opened
  EXPECT_NE(ImGui::GetTopMostPopupModal(), nullptr);
  imgui_.press_key(view_, 256);  // Escape cancels
  imgui_.frame(view_);
  EXPECT_TRUE(posted_.empty());
  EXPECT_EQ(ImGui::GetTopMostPopupModal(), nullptr);
}

TEST_F(MainViewTest, DrawsPieceMapsOfEverySizeWithoutTrouble) {
  // 100,000 pieces (binned) and 3 pieces (one cell each) draw in one frame each.
  for (const std::int32_t n : {3, 100000}) {
    const InfoHash hash = hash_of(static_cast<std::uint8_t>(n % 251));
    model_.apply(added(hash, "big", std::int64_t{n} << 14, n), 0.0);
    model_.select(hash);
    engine::PieceSnapshot pieces;
    pieces.torrent = hash;
    pieces.state.assign(static_cast<std::size_t>(n), 2);
    pieces.availability.assign(static_cast<std::size_t>(n), 1);
    model_.apply(pieces, 0.0);
    view_.show_first_torrent("pieces");
    imgui_.frame(view_);
    imgui_.frame(view_);
    ASSERT_NE(model_.pieces(), nullptr);
    const ImDrawData* data = ImGui::GetDrawData();
    ASSERT_NE(data, nullptr);
    EXPECT_GT(data->TotalVtxCount, 0);
    // Bins keep the vertex count bounded by the cells on screen, not the pieces.
    EXPECT_LT(data->TotalVtxCount, 400000);
  }
}

TEST_F(MainViewTest, AddTorrentDialogOpensWithCtrlOAndAddsTheTypedFile) {
  struct Added {
    std::filesystem::path torrent;
    std::filesystem::path save_dir;
    bool paused = true;
  };
  std::vector<Added> added;
  imgui_.press_key(view_, 'O', true);
  EXPECT_EQ(ImGui::GetTopMostPopupModal(), nullptr);  // no way to add yet: nothing opens
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "lt-gui-add-test";
  std::filesystem::create_directories(dir);
  const std::filesystem::path torrent = dir / "some.torrent";
  std::ofstream(torrent) << "d4:infod4:name1:xee";
  view_.set_add_file(
      [&](const std::filesystem::path& t, const std::filesystem::path& save, bool paused) {
        added.push_back({t, save, paused});
      },
      dir / "downloads");
  imgui_.press_key(view_, 'O', true);
  ImGuiWindow* popup = ImGui::GetTopMostPopupModal();
  ASSERT_NE(popup, nullptr);
  EXPECT_STREQ(popup->Name, "Add torrent");
  // Type the file's path into the path field and press Enter: the dialog adds it.
  ASSERT_TRUE(imgui_.hover(view_, "##path", 200.0F, "Add torrent"));
  imgui_.click(view_);
  imgui_.press_key(view_, 'A', true);  // select the folder shown there
  imgui_.type(view_, torrent.string());
  imgui_.press_key(view_, 257);
  imgui_.frame(view_);
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].torrent, torrent);
  EXPECT_EQ(added[0].save_dir, dir / "downloads");
  EXPECT_FALSE(added[0].paused);
  EXPECT_EQ(ImGui::GetTopMostPopupModal(), nullptr);
  // Escape closes a second one without adding.
  imgui_.press_key(view_, 'O', true);
  ASSERT_NE(ImGui::GetTopMostPopupModal(), nullptr);
  imgui_.press_key(view_, 256);
  imgui_.frame(view_);
  EXPECT_EQ(ImGui::GetTopMostPopupModal(), nullptr);
  EXPECT_EQ(added.size(), 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lt
