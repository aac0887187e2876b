#!/usr/bin/env bash
# Installs what building, testing and benchmarking need on Debian 12 (DESIGN.md section 3),
# only the packages that are missing. Runs apt-get as root, or through sudo.
#   scripts/setup.sh          build + test packages
#   scripts/setup.sh bench    also the benchmark tools
set -euo pipefail

build_pkgs=(cmake ninja-build g++ pkg-config
  libboost1.81-dev libboost-url1.81-dev libimgui-dev libglfw3-dev libgl-dev libstb-dev
  libsqlitecpp-dev libssl-dev libgtest-dev libgmock-dev libcli11-dev libspdlog-dev libfmt-dev
  libreaderwriterqueue-dev)
test_pkgs=(xvfb xauth clang libclang-rt-14-dev clang-format
  transmission-cli transmission-daemon aria2 python3-libtorrent opentracker mktorrent)
bench_pkgs=(hyperfine wrk)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
[ "${1:-}" = bench ] && want+=("${bench_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Package lists may be absent on a fresh machine: update once, then install.
"${SUDO[@]}" apt-get update -q >/dev/null
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
# Installing transmission-daemon may start its system service; it is not ours to run.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet transmission-daemon 2>/dev/null; then
  "${SUDO[@]}" systemctl stop transmission-daemon || true
fi
echo "setup: done"
