#include "gui/file_browser.hpp"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <system_error>

namespace lt::gui {
namespace fs = std::filesystem;

FileBrowser::FileBrowser(fs::path start, std::string extension) : extension_(std::move(extension)) {
  go_to(std::move(start));
}

void FileBrowser::go_to(const fs::path& directory) {
  std::error_code ec;
  fs::path target = fs::absolute(directory, ec);
  if (ec || !fs::is_directory(target, ec)) target = fs::current_path(ec);
  directory_ = target.lexically_normal();
  path_text_ = directory_.string();
  chosen_.clear();
  refresh();
}

void FileBrowser::refresh() {
  folders_.clear();
  files_.clear();
  error_.clear();
  std::error_code ec;
  fs::directory_iterator it(directory_, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    error_ = "cannot list " + directory_.string() + ": " + ec.message();
    return;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      error_ = "cannot list " + directory_.string() + ": " + ec.message();
      break;
    }
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    if (name.empty() || name.front() == '.') continue;
    std::error_code type_ec;
    if (it->is_directory(type_ec)) {
      folders_.push_back(path);
    } else if (extension_.empty() || path.extension() == extension_) {
      files_.push_back(path);
    }
  }
  const auto by_name = [](const fs::path& a, const fs::path& b) {
    return a.filename() < b.filename();
  };
  std::sort(folders_.begin(), folders_.end(), by_name);
  std::sort(files_.begin(), files_.end(), by_name);
}

bool FileBrowser::draw(float height) {
  bool picked = false;
  if (ImGui::Button("Up") && directory_.has_parent_path()) go_to(directory_.parent_path());
  ImGui::SameLine();
  // Typing a folder and pressing Enter goes there; a file path chooses the file.
  std::array<char, 1024> buffer{};
  path_text_.copy(buffer.data(), buffer.size() - 1);
  ImGui::SetNextItemWidth(-1.0F);
  if (ImGui::InputText("##path", buffer.data(), buffer.size(),
                       ImGuiInputTextFlags_EnterReturnsTrue)) {
    const fs::path typed(buffer.data());
    std::error_code ec;
    if (fs::is_regular_file(typed, ec)) {
      chosen_ = typed;
      picked = true;
    } else {
      go_to(typed);
    }
  } else {
    path_text_ = buffer.data();
  }
  if (ImGui::BeginChild("entries", ImVec2(0.0F, height), true)) {
    if (!error_.empty())
      ImGui::TextColored(ImVec4(0.95F, 0.45F, 0.40F, 1.0F), "%s", error_.c_str());
    fs::path enter;
    for (const fs::path& folder : folders_) {
      const std::string label = folder.filename().string() + "/";
      if (ImGui::Selectable(label.c_str(), false, ImGuiSelectableFlags_AllowDoubleClick) &&
          ImGui::IsMouseDoubleClicked(0)) {
        enter = folder;
      }
    }
    for (const fs::path& file : files_) {
      const bool selected = file == chosen_;
      if (ImGui::Selectable(file.filename().string().c_str(), selected,
                            ImGuiSelectableFlags_AllowDoubleClick)) {
        chosen_ = file;
        if (ImGui::IsMouseDoubleClicked(0)) picked = true;
      }
    }
    if (folders_.empty() && files_.empty() && error_.empty()) {
      ImGui::TextDisabled("no folders or %s files here",
                          extension_.empty() ? "other" : extension_.c_str());
    }
    if (!enter.empty()) go_to(enter);
  }
  ImGui::EndChild();
  return picked;
}

}  // namespace lt::gui
