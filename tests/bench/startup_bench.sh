#!/usr/bin/env bash
# Startup with 1,000 stored torrents: `liketorrent daemon` (fresh copy of a client database
# filled by `liketorrent add`) side by side with python3-libtorrent (async_add_torrent of the
# same .torrent files) in one run, interleaved: time from spawn to usable (every torrent's
# state reported / every add_torrent_alert in), peak RSS (VmHWM), CPU after start, clean stop,
# and the ratios ours / libtorrent. Issue target: 1,000 torrents usable in < 1 s.
# The work is done by startup_bench.py (run with /usr/bin/python3: Debian's python3-libtorrent
# is only importable there); this wrapper checks the binary.
#
#   tests/bench/startup_bench.sh                          (release binary: 1,000 torrents, 5 runs)
#   COUNT=200 RUNS=2 LIKETORRENT=build/debug/app/liketorrent tests/bench/startup_bench.sh
# env (see startup_bench.py --help): LIKETORRENT (default build/release/app/liketorrent),
#   COUNT (1000), RUNS (5), SETTLE (2 s watched after usable), TIMEOUT (60 s), SEED (1),
#   CLIENTS ("ours lt"), KEEP=1 (keep the temp dir: torrents, databases, stderr logs)
# Exit status: 0 when every start reached usable and stopped cleanly, 1 when one did not (the
# report is printed either way), 2 on bad usage.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DEFAULT_BIN="$ROOT/build/release/app/liketorrent"
LIKETORRENT="${LIKETORRENT:-$DEFAULT_BIN}"
if [ ! -x "$LIKETORRENT" ]; then
  if [ "$LIKETORRENT" = "$DEFAULT_BIN" ]; then
    echo "startup_bench: no release build at $LIKETORRENT: build it first (make build), or set" \
      "LIKETORRENT (e.g. LIKETORRENT=build/debug/app/liketorrent: debug figures are only a" \
      "rough, pessimistic guide)" >&2
  else
    echo "startup_bench: $LIKETORRENT not found: build it first (make build), or set LIKETORRENT" >&2
  fi
  exit 2
fi
LIKETORRENT="$(cd "$(dirname "$LIKETORRENT")" && pwd)/$(basename "$LIKETORRENT")"
# An old build has no `add` / `daemon` commands: say so instead of failing half way.
if ! "$LIKETORRENT" --help 2>/dev/null | grep -Eq '^ +add ' ||
  ! "$LIKETORRENT" --help 2>/dev/null | grep -Eq '^ +daemon '; then
  echo "startup_bench: $LIKETORRENT has no \`add\`/\`daemon\` command: it is a stale build;" \
    "rebuild it (make build) or set LIKETORRENT" >&2
  exit 2
fi
# Sources newer than the binary: it still runs, but the figures may not be today's code.
newer="$(find "$ROOT/app" "$ROOT/core" "$ROOT/net" -newer "$LIKETORRENT" \
  \( -name '*.cpp' -o -name '*.hpp' -o -name 'CMakeLists.txt' \) -print 2>/dev/null | head -3 || true)"
if [ -n "$newer" ]; then
  echo "startup_bench: warning: $LIKETORRENT ($(date -r "$LIKETORRENT" '+%F %T')) is older" \
    "than some sources, e.g. $(echo "$newer" | sed "s|^$ROOT/||" | paste -sd' ' -): the" \
    "figures may be stale; rebuild it (make build)" >&2
fi
case "$LIKETORRENT" in
  */build/debug/*) echo "startup_bench: note: a debug build: its figures are pessimistic; the" \
    "reported ones must come from the release build" >&2 ;;
esac
for v in COUNT RUNS; do
  case "${!v:-1}" in '' | *[!0-9]* | 0) echo "startup_bench: $v must be a positive integer" >&2; exit 2;; esac
done
if ! /usr/bin/python3 -c 'import libtorrent' 2>/dev/null; then
  case " ${CLIENTS:-ours lt} " in
    *" lt "*) echo "startup_bench: python3-libtorrent is not importable by /usr/bin/python3" \
      "(apt-get install python3-libtorrent), or set CLIENTS=ours" >&2; exit 2 ;;
  esac
fi
export LIKETORRENT
exec /usr/bin/python3 "$HERE/startup_bench.py" "$@"
