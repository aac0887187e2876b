#pragma once
// A sandbox directory for one test: created empty under the system temp dir with a unique name
// (prefix, test name, random number), removed with everything in it when the object dies.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

namespace lt::test {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name(prefix);
    if (info != nullptr) name += std::string("-") + info->name();
    name += "-" + std::to_string(std::random_device{}());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;  // a test that failed halfway may leave read-only parts
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::filesystem::path& p) const {
    return path_ / p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace lt::test
