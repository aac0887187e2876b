#pragma once
// A one-line progress bar for terminals ("\r" redraws); silent when stderr is not a terminal,
// so logs and pipes stay clean.

#include <chrono>
#include <cstdint>
#include <string>

namespace lt::app {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(std::int64_t done, std::int64_t total);
  // Ends the line (once) so later output starts on a fresh line.
  void finish();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace lt::app
