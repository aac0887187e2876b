#!/usr/bin/env bash
# Torrent creation (hashing) throughput, warm page cache, liketorrent side by side with the real
# creators in one run: mktorrent -t 2, transmission-create, libtorrent v1-only (Python binding).
# Every tool uses 1 MiB pieces. Payloads: a 2 GiB file and a folder of 1,000 files = 1 GiB.
#
#   tests/bench/create_bench.sh            (what `make bench` runs)
# env:
#   LIKETORRENT  the binary to measure (default: build/release/app/liketorrent under the repo)
#   BENCH_DATA   payload dir, generated once, kept (default /tmp/lt-bench-data; needs 3 GiB)
#   RUNS         timed runs per command (default 5), after 1 warm-up run
#   OUT_DIR      where the JSON results go (default: a new temp dir, removed at the end)
#   PY           python with libtorrent (default /usr/bin/python3)
#   TIMER=loop   time with a plain loop even when hyperfine is installed
# Prints per payload and tool median/min/max seconds and GB/s (1 GB = 1e9 bytes), the ratios
# liketorrent / each other tool and / openssl sha1 on one core, then a markdown summary table.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LIKETORRENT="${LIKETORRENT:-$ROOT/build/release/app/liketorrent}"
BENCH_DATA="${BENCH_DATA:-/tmp/lt-bench-data}"
RUNS="${RUNS:-5}"
PY="${PY:-/usr/bin/python3}"
PIECE=$((1024 * 1024))
ANN="http://127.0.0.1:6969/announce"

if [ ! -x "$LIKETORRENT" ]; then
  echo "create_bench: $LIKETORRENT not found: build it first (make build), or set LIKETORRENT" >&2
  exit 2
fi
LIKETORRENT="$(cd "$(dirname "$LIKETORRENT")" && pwd)/$(basename "$LIKETORRENT")"
case "$RUNS" in '' | *[!0-9]* | 0) echo "create_bench: RUNS must be a positive integer" >&2; exit 2;; esac

if [ -n "${OUT_DIR:-}" ]; then
  mkdir -p "$OUT_DIR"; keep_out=1
else
  OUT_DIR="$(mktemp -d -t lt-create-bench.XXXXXX)"; keep_out=0
fi
WORK="$(mktemp -d -t lt-create-bench-work.XXXXXX)"  # the torrents being written, one per tool
# shellcheck disable=SC2317  # called by the trap
cleanup() { rm -rf "$WORK"; [ "$keep_out" = 1 ] || rm -rf "$OUT_DIR"; }
trap cleanup EXIT

have_hyperfine=0
command -v hyperfine >/dev/null && [ "${TIMER:-}" != loop ] && have_hyperfine=1
have_lt=0
"$PY" -c 'import libtorrent' 2>/dev/null && have_lt=1

q() { printf '%q' "$1"; }

# tool id -> label and command (empty when the tool is not installed)
label_for() {
  case $1 in
    liketorrent) echo "liketorrent";;
    mktorrent_t2) echo "mktorrent -t 2";;
    transmission_create) echo "transmission-create";;
    lt_v1) echo "libtorrent v1";;
  esac
}
cmd_for() { # tool input output
  local in T; in=$(q "$2"); T=$3
  case $1 in
    liketorrent)
      echo "$(q "$LIKETORRENT") create $in -o $(q "$T") --piece-size 1M -t $ANN";;
    mktorrent_t2)
      command -v mktorrent >/dev/null && echo "mktorrent -t 2 -l 20 -a $ANN -o $(q "$T") $in";;
    transmission_create)
      command -v transmission-create >/dev/null &&
        echo "transmission-create -s 1024 -t $ANN -o $(q "$T") $in";;
    lt_v1)
      [ "$have_lt" = 1 ] &&
        echo "$(q "$PY") $(q "$HERE/lt_create.py") $in $(q "$T") --piece-size $PIECE --v1only --tracker $ANN";;
  esac
  return 0
}
TOOLS="liketorrent mktorrent_t2 transmission_create lt_v1"

# Times one command: 1 warm-up + RUNS runs; writes {"results":[{"times":[...]}]} to $2.
time_cmd() { # command json output
  local c=$1 j=$2 T=$3
  if [ "$have_hyperfine" = 1 ]; then
    hyperfine --style none --shell bash --warmup 1 --runs "$RUNS" --prepare "rm -f $(q "$T")" \
      --export-json "$j" "$c >/dev/null" >/dev/null
  else
    "$PY" - "$c" "$j" "$RUNS" "$T" <<'EOF'
import json, os, subprocess, sys, time
cmd, out, runs, torrent = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
times = []
for i in range(runs + 1):
    if os.path.exists(torrent):
        os.remove(torrent)
    t0 = time.perf_counter()
    subprocess.run(["bash", "-c", cmd + " >/dev/null"], check=True)
    if i:  # run 0 is the warm-up
        times.append(time.perf_counter() - t0)
json.dump({"results": [{"command": cmd, "times": times}]}, open(out, "w"))
EOF
  fi
}

cpu_busy() { # system-wide CPU busy % over 0.5 s (noise check)
  local a b
  a=$(head -1 /proc/stat); sleep 0.5; b=$(head -1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN{split(a,x," "); split(b,y," "); t=0; idle=0;
    for(i=2;i<=9;i++){t+=y[i]-x[i]}; idle=(y[5]-x[5])+(y[6]-x[6]);
    printf("%.0f", (t > 0) ? 100 * (t - idle) / t : 0)}'
}

echo "# liketorrent creation benchmark: 1 MiB pieces, warm page cache, runs=$RUNS (+1 warm-up)"
echo "# liketorrent: $LIKETORRENT ($("$LIKETORRENT" --version 2>/dev/null || echo '?'))"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'),"\
  "sha_ni: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)"
if [ "$have_hyperfine" = 1 ]; then
  echo "# timer: $(hyperfine --version)"
else
  echo "!!! timer: a simple timed loop (hyperfine not installed, or TIMER=loop)"
fi
for t in mktorrent transmission-create; do
  command -v "$t" >/dev/null || echo "!!! SKIPPED: $t not installed"
done
[ "$have_lt" = 1 ] || echo "!!! SKIPPED: libtorrent (python3-libtorrent for $PY) not installed"

"$PY" "$HERE/gen_payloads.py" "$BENCH_DATA" single2g dir1000 | sed 's/^/# /'

MANIFEST="$OUT_DIR/manifest.tsv"
: >"$MANIFEST"
for payload in single_2g.bin dir_1000; do
  in="$BENCH_DATA/$payload"
  bytes=$(find "$in" -type f -printf '%s\n' | awk '{s += $1} END {printf("%.0f", s)}')
  # warm the page cache: read everything once before any timing
  find "$in" -type f -print0 | xargs -0 cat >/dev/null
  echo "# $payload: $bytes bytes; cache warmed; background cpu busy $(cpu_busy)%"
  made=()
  for tool in $TOOLS; do
    out="$WORK/${payload%.bin}_$tool.torrent"
    c=$(cmd_for "$tool" "$in" "$out")
    [ -n "$c" ] || continue
    j="$OUT_DIR/${payload%.bin}_$tool.json"
    rm -f "$j"
    printf '#   %-20s ' "$(label_for "$tool")"
    if time_cmd "$c" "$j" "$out"; then
      echo "done"
      made+=("$(label_for "$tool")=$out")
    else
      echo "FAILED: $c"
      rm -f "$j" "$out"
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$payload" "$bytes" "$tool" "$(label_for "$tool")" "$j" >>"$MANIFEST"
  done
  # ours must have hashed the same bytes as the others: compare the piece hashes
  if [ ${#made[@]} -gt 1 ]; then
    "$PY" "$HERE/check_pieces.py" "${made[@]}" | sed 's/^/#   /' || true
  fi
done

# The single-core SHA-1 limit, in the same run: `openssl speed` prints 1000s of bytes/s.
ssl_k=$(openssl speed -evp sha1 -bytes 1048576 -seconds 3 2>/dev/null | awk '$1=="sha1"{print $2}')
ssl_gbps=$(awk -v v="${ssl_k%k}" 'BEGIN{ if (v+0 > 0) printf "%.4f", v*1000/1e9; else print "nan" }')
echo "# openssl speed -evp sha1 -bytes 1048576 -seconds 3: ${ssl_k:-?} (1000s of bytes/s)"

"$PY" "$HERE/summarize_create.py" "$MANIFEST" "$ssl_gbps"
[ "$keep_out" = 1 ] && echo "(hyperfine JSON in $OUT_DIR)"
exit 0
