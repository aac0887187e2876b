#!/usr/bin/env bash
# Loopback transfer throughput, CPU and memory: a 1 GiB single-file torrent (1 MiB pieces) through
# our tracker on 127.0.0.1, side by side in one run, interleaved run by run:
#   raw TCP | ours->ours | libtorrent->libtorrent | transmission->ours | ours->aria2c
# The work is done by transfer_bench.py (run with /usr/bin/python3: Debian's python3-libtorrent
# is only importable there); this wrapper checks the binary and is what `make bench` runs.
#
#   tests/bench/transfer_bench.sh                          (what make bench runs: 3 runs, 1 GiB)
#   SIZE_MIB=64 RUNS=1 LIKETORRENT=build/debug/app/liketorrent tests/bench/transfer_bench.sh
# env (see transfer_bench.py --help): LIKETORRENT (default build/release/app/liketorrent),
#   SIZE_MIB (1024), RUNS (3), PAIRS, TIMEOUT (300 s per leecher), STALL (60 s), BENCH_DATA
#   (/tmp/lt-bench-data), LEECH_BASE, OUT_DIR (keep the logs), OURS_VERBOSE=1, OUR_SEED_ARGS,
#   SAMPLE_MS (100)
# Exit status: 0 when every transfer verified, 1 when one did not (the report is printed either
# way), 2 on bad usage.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LIKETORRENT="${LIKETORRENT:-$ROOT/build/release/app/liketorrent}"
if [ ! -x "$LIKETORRENT" ]; then
  echo "transfer_bench: $LIKETORRENT not found: build it first (make build), or set LIKETORRENT" >&2
  exit 2
fi
LIKETORRENT="$(cd "$(dirname "$LIKETORRENT")" && pwd)/$(basename "$LIKETORRENT")"
export LIKETORRENT
for v in SIZE_MIB RUNS; do
  case "${!v:-1}" in '' | *[!0-9]* | 0) echo "transfer_bench: $v must be a positive integer" >&2; exit 2;; esac
done
exec /usr/bin/python3 "$HERE/transfer_bench.py" "$@"
