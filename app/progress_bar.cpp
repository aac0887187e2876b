#include "progress_bar.hpp"

#include <cstdio>

#include "core/human_format.hpp"

#ifdef _WIN32
#include <io.h>
#define LT_ISATTY(fd) _isatty(fd)
#else
#include <unistd.h>
#define LT_ISATTY(fd) isatty(fd)
#endif

namespace lt::app {

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), enabled_(LT_ISATTY(2) != 0) {}

ProgressBar::~ProgressBar() {
  finish();
}

void ProgressBar::update(std::int64_t done, std::int64_t total) {
  if (!enabled_ || total <= 0) return;
  constexpr int kWidth = 30;
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const int filled = static_cast<int>(fraction * kWidth);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const auto rate =
      seconds > 0 ? static_cast<std::int64_t>(static_cast<double>(done) / seconds) : 0;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "\r%s [%s] %3d%%  %s/s   ", label_.c_str(), bar.c_str(),
               static_cast<int>(fraction * 100), format_bytes(rate).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace lt::app
