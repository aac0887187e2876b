#pragma once
// The CLI's two failure kinds and their exit codes (DESIGN.md section 4).

#include <stdexcept>

namespace lt::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeFailure = 1;
inline constexpr int kExitBadInput = 2;

// Bad usage or bad input: exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The input was fine but the work failed (I/O error, ...): exit code 1.
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace lt::app
