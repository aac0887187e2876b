#!/usr/bin/env bash
# Fails when a C++ file in the tree is not formatted as .clang-format says.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "!!! clang-format not found: format check SKIPPED"; exit 0
fi
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cpp' '*.hpp' '*.h' | grep -v '^third_party/' || true)
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "format-check: not clang-formatted (run: clang-format -i FILE):"; printf '  %s\n' "${bad[@]}"; exit 1
fi
echo "format-check: ${#files[@]} files ok"
