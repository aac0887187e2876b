#!/usr/bin/env bash
# HTTP tracker throughput: `liketorrent tracker` side by side with opentracker, in one run,
# interleaved (opentracker run 1, liketorrent run 1, opentracker run 2, ...), the same wrk Lua
# script (tracker_load.lua) against both: NSWARMS swarms, random peer ids and ports, CONNS
# connections, THREADS wrk threads, DURATION per mode. Each tracker is started fresh for every
# run, on 127.0.0.1 only, and must answer one real announce before the load starts.
#
#   tests/bench/tracker_bench.sh                 (what `make bench` runs)
#   RUNS=2 DURATION=10 tests/bench/tracker_bench.sh
# env:
#   LIKETORRENT   our binary (default: build/release/app/liketorrent under the repo)
#   RUNS (3)  DURATION (15, seconds)  THREADS (2)  CONNS (64)  NSWARMS (1000)
#   MODES ("announce scrape announce_leechers"), in this order on one tracker instance:
#                 announce           left=0, every request a new seeder (the reference mode)
#                 scrape             one info_hash per request
#                 announce_leechers  left>0, every request a new leecher: every answer
#                                    carries a peer list from both trackers
#   CHECK_SECONDS (2)  before each timed mode, a short wrk pass that reads every answer and
#                 counts the bad ones (failure reason, no peers/files): "bad_bodies" (0 = off)
#   CONNECTION_CLOSE (0)  1 = every request says "Connection: close": liketorrent then also
#                 answers one request per connection, as opentracker always does
#   TRACKERS ("opentracker liketorrent")   OUT_DIR (raw wrk output; default a temp dir, removed)
#
# Per run and mode: requests/s, latency p50/p99 (wrk; excludes connect time), non-2xx answers,
# socket errors, tracker CPU % (its /proc ticks over the wrk window; 100 % = one core; includes
# our SQLite writer thread), RSS after the mode and peak RSS (VmHWM). After `announce`, the
# live peers (ours: /stats.json "peers"; opentracker's stats page is access-listed, so its
# count is estimated as the announces served) and the RSS growth per 100,000 live peers.
# Then medians per tracker and mode, ratios liketorrent / opentracker, and a markdown table.
#
# Debian's opentracker is built with WANT_ACCESSLIST_WHITE: it serves only whitelisted hashes
# (-w, the swarm list), and, run as root, chroots into its dir and drops to `nobody` (-u).
# It closes the connection after every answer (wrk then counts one socket read error per
# request: not failures); liketorrent keeps connections alive. opentracker also returns
# seeders to seeders, liketorrent does not (BEP 3 practice), so in `announce` (all seeders)
# its answers are empty peer lists: compare `announce_leechers` for equal work.
# Only 127.0.0.1; only processes this script started are signalled, by PID.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LIKETORRENT="${LIKETORRENT:-$ROOT/build/release/app/liketorrent}"
RUNS="${RUNS:-3}"
DURATION="${DURATION:-15}"
DURATION="${DURATION%s}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-64}"
NSWARMS="${NSWARMS:-1000}"
MODES="${MODES:-announce scrape announce_leechers}"
CHECK_SECONDS="${CHECK_SECONDS:-2}"
export CONNECTION_CLOSE="${CONNECTION_CLOSE:-0}"
TRACKERS="${TRACKERS:-opentracker liketorrent}"
LUA="$HERE/tracker_load.lua"
PY="$(command -v python3 || echo /usr/bin/python3)"
CLK=$(getconf CLK_TCK)

for v in RUNS DURATION THREADS CONNS NSWARMS CHECK_SECONDS CONNECTION_CLOSE; do
  case "${!v}" in '' | *[!0-9]*) echo "tracker_bench: $v must be a number" >&2; exit 2;; esac
done
[ "$RUNS" -gt 0 ] || { echo "tracker_bench: RUNS must be > 0" >&2; exit 2; }

if ! command -v wrk >/dev/null; then
  echo "!!! SKIPPED: wrk not installed (apt-get install wrk): tracker benchmark not run"
  exit 0
fi
if [ ! -x "$LIKETORRENT" ]; then
  echo "tracker_bench: $LIKETORRENT not found: build it first (make build), or set LIKETORRENT" >&2
  exit 2
fi
LIKETORRENT="$(cd "$(dirname "$LIKETORRENT")" && pwd)/$(basename "$LIKETORRENT")"
if [[ " $TRACKERS " == *" opentracker "* ]] && ! command -v opentracker >/dev/null; then
  echo "!!! opentracker not installed (apt-get install opentracker): liketorrent only, no ratios"
  TRACKERS="liketorrent"
fi

if [ -n "${OUT_DIR:-}" ]; then
  mkdir -p "$OUT_DIR"; keep_out=1
else
  OUT_DIR="$(mktemp -d -t lt-tracker-bench.XXXXXX)"; keep_out=0
fi
RESULTS="$OUT_DIR/results.txt"
: > "$RESULTS"

TPID=""   # the tracker being measured (our child)
TDIR=""   # its fresh directory
# shellcheck disable=SC2317  # called by the traps
stop_tracker() {
  if [ -n "$TPID" ] && kill -0 "$TPID" 2>/dev/null; then
    kill -TERM "$TPID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$TPID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$TPID" 2>/dev/null && { kill -KILL "$TPID" 2>/dev/null || true; }
    wait "$TPID" 2>/dev/null || true
  fi
  TPID=""
  if [ -n "$TDIR" ]; then rm -rf "$TDIR"; TDIR=""; fi
}
# shellcheck disable=SC2317
cleanup() { stop_tracker; [ "$keep_out" = 1 ] || rm -rf "$OUT_DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# The swarms: sha1("lt-bench-swarm-<i>"), i = 0..NSWARMS-1 (also opentracker's whitelist).
SWARMS="$OUT_DIR/swarms.txt"
"$PY" -c 'import hashlib, sys
for i in range(int(sys.argv[1])): print(hashlib.sha1(b"lt-bench-swarm-%d" % i).hexdigest())' \
  "$NSWARMS" > "$SWARMS"

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
busy_pct() { # system-wide non-idle CPU % over 0.5 s (is something else running?)
  local a b
  a=$(head -1 /proc/stat); sleep 0.5; b=$(head -1 /proc/stat)
  printf '%s\n%s\n' "$a" "$b" | awk '{t = 0; for (i = 2; i <= NF; i++) t += $i; T[NR] = t; I[NR] = $5 + $6}
    END {printf "%.0f", 100 * (1 - (I[2] - I[1]) / (T[2] - T[1]))}'
}

start_tracker() { # name -> sets TPID TDIR PORT
  local name=$1
  TDIR=$(mktemp -d -t lt-trk.XXXXXX); chmod 755 "$TDIR"
  cp "$SWARMS" "$TDIR/whitelist.txt"; chmod 644 "$TDIR/whitelist.txt"
  PORT=$(free_port)
  case $name in
    opentracker)
      # Debian's build: whitelist only; as root it chroots into TDIR and runs as nobody.
      (cd "$TDIR" && exec opentracker -i 127.0.0.1 -p "$PORT" -d "$TDIR" -w whitelist.txt \
        -u nobody) > "$TDIR/tracker.log" 2>&1 &
      ;;
    liketorrent)
      "$LIKETORRENT" --data-dir "$TDIR" tracker --port "$PORT" --bind 127.0.0.1 \
        --db "$TDIR/tracker.db" > "$TDIR/tracker.log" 2>&1 &
      ;;
  esac
  TPID=$!
  for _ in $(seq 100); do # bounded: 10 s
    ss -Hltn "sport = :$PORT" | grep -q . && break
    kill -0 "$TPID" 2>/dev/null || break
    sleep 0.1
  done
  if ! ss -Hltn "sport = :$PORT" | grep -q .; then
    echo "$name did not start:"; cat "$TDIR/tracker.log"; exit 1
  fi
  if ss -Hltunp | grep "pid=$TPID," | awk '{print $5}' | grep -vqE '^127\.0\.0\.1:'; then
    echo "$name listens on a non-loopback address, aborting:"; ss -Hltunp | grep "pid=$TPID,"
    exit 1
  fi
  # One real announce must succeed (bounded wait: opentracker loads its whitelist lazily).
  local h q ok=0
  h=$(head -1 "$SWARMS" | sed 's/../%&/g')
  q="info_hash=$h&peer_id=-LB0001-sanitycheck0&port=6881&uploaded=0&downloaded=0&left=0&compact=1&event=started"
  for _ in $(seq 50); do
    if curl -sf --max-time 2 "http://127.0.0.1:$PORT/announce?$q" -o "$TDIR/sanity.bin" &&
       grep -qa '5:peers' "$TDIR/sanity.bin" && ! grep -qa 'failure reason' "$TDIR/sanity.bin"; then
      ok=1; break
    fi
    sleep 0.2
  done
  [ "$ok" = 1 ] || { echo "$name: sanity announce failed:"; cat -v "$TDIR/sanity.bin"; echo; exit 1; }
}

run_wrk() { # mode seconds check(0/1) out -> RESULT line
  CHECK_BODIES=$3 wrk -t"$THREADS" -c"$CONNS" -d"$2s" --timeout 5s --latency -s "$LUA" \
    "http://127.0.0.1:$PORT" -- "$1" "$SWARMS" "$NSWARMS" > "$4" 2>&1 || true
  grep '^RESULT' "$4" || echo "RESULT mode=$1 missing=1"
}

kv() { tr ' ' '\n' <<< "$1" | awk -F= -v k="$2" '$1 == k {print $2}'; }

echo "# tracker bench: wrk -t$THREADS -c$CONNS -d${DURATION}s, swarms=$NSWARMS, runs=$RUNS," \
     "modes=[$MODES], trackers=[$TRACKERS], check=${CHECK_SECONDS}s," \
     "connection_close=$CONNECTION_CLOSE"
echo "# liketorrent: $LIKETORRENT ($("$LIKETORRENT" --version 2>/dev/null || echo '?'))"
command -v opentracker >/dev/null && echo "# opentracker: $(dpkg-query -W -f='${Version}' opentracker 2>/dev/null || echo '?')"
echo "# $(wrk --version 2>&1 | head -1); $(nproc) CPUs; raw output in $OUT_DIR"

for run in $(seq "$RUNS"); do
  for name in $TRACKERS; do
    echo "# run $run $name: background cpu busy=$(busy_pct)% (>5% means something else runs)"
    start_tracker "$name"
    base_rss=$(status_kb "$TPID" VmRSS)
    echo "#   pid=$TPID port=$PORT rss_at_start_kb=$base_rss"
    for mode in $MODES; do
      bad=0
      if [ "$CHECK_SECONDS" -gt 0 ]; then
        c=$(run_wrk "$mode" "$CHECK_SECONDS" 1 "$OUT_DIR/run${run}_${name}_${mode}_check.txt")
        bad=$(kv "$c" bad_bodies); bad=${bad:-?}
        [ "$bad" = 0 ] || echo "!!! $name $mode: $bad bad answers in the check pass ($c)"
      fi
      t0=$(cpu_ticks "$TPID"); s0=$(date +%s.%N)
      r=$(run_wrk "$mode" "$DURATION" 0 "$OUT_DIR/run${run}_${name}_${mode}.txt")
      t1=$(cpu_ticks "$TPID"); s1=$(date +%s.%N)
      kill -0 "$TPID" 2>/dev/null || { echo "!!! $name died during $mode"; cat "$TDIR/tracker.log"; exit 1; }
      cpu=$(awk -v a="$t0" -v b="$t1" -v c="$CLK" -v x="$s0" -v y="$s1" \
        'BEGIN {printf "%.0f", (b - a) / c / (y - x) * 100}')
      rss=$(status_kb "$TPID" VmRSS); hwm=$(status_kb "$TPID" VmHWM)
      extra=""
      if [ "$mode" = announce ]; then
        if [ "$name" = liketorrent ]; then
          peers=$(curl -sf --max-time 10 "http://127.0.0.1:$PORT/stats.json" |
            "$PY" -c 'import json, sys; print(json.load(sys.stdin)["peers"])' || echo 0)
          src=stats
        else
          # every announce of this instance so far was a new peer (random port); nothing
          # expires within the run
          reqs=0
          for f in "$OUT_DIR/run${run}_${name}_announce.txt" \
                   "$OUT_DIR/run${run}_${name}_announce_check.txt"; do
            [ -e "$f" ] || continue
            n=$(grep -o 'requests=[0-9]*' "$f" | cut -d= -f2); reqs=$((reqs + ${n:-0}))
          done
          peers=$((reqs + 1)); src=estimated
        fi
        extra="live_peers=$peers peers_from=$src rss_base_kb=$base_rss"
      fi
      line="tracker=$name run=$run ${r#RESULT } bad_bodies_check=$bad tracker_cpu_pct=$cpu tracker_rss_kb=$rss tracker_hwm_kb=$hwm $extra"
      echo "$line" | tee -a "$RESULTS"
    done
    stop_tracker
    sleep 1
  done
done

# ---- summary: medians over the runs, ratios, markdown table
"$PY" - "$RESULTS" "$RUNS" "$DURATION" "$CONNS" "$THREADS" "$NSWARMS" "$CONNECTION_CLOSE" <<'EOF'
import statistics, sys
path, runs, dur, conns, threads, nswarms, close = sys.argv[1:8]
rows = []
for line in open(path):
    d = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    rows.append(d)
trackers = []
modes = []
for r in rows:
    if r["tracker"] not in trackers: trackers.append(r["tracker"])
    if r["mode"] not in modes: modes.append(r["mode"])

def vals(t, m, k):
    out = []
    for r in rows:
        if r["tracker"] == t and r["mode"] == m and k in r:
            try: out.append(float(r[k]))
            except ValueError: pass
    return out

def med(t, m, k):
    v = vals(t, m, k)
    return statistics.median(v) if v else None

def tot(t, m, k):
    v = vals(t, m, k)
    return int(sum(v)) if v else None

def f(x, fmt="%.0f"):
    return "-" if x is None else fmt % x

print("# summary: median over %s runs (min..max for req/s)" % runs)
for m in modes:
    for t in trackers:
        rps = vals(t, m, "rps")
        print("%-18s %-12s rps=%s [%s..%s] p50_ms=%s p99_ms=%s non2xx=%s bad_bodies=%s cpu_pct=%s hwm_kb=%s" % (
            m, t, f(med(t, m, "rps")), f(min(rps) if rps else None), f(max(rps) if rps else None),
            f(med(t, m, "lat_p50_ms"), "%.2f"), f(med(t, m, "lat_p99_ms"), "%.2f"),
            f(tot(t, m, "non2xx"), "%d"), f(tot(t, m, "bad_bodies_check"), "%d"),
            f(med(t, m, "tracker_cpu_pct")), f(med(t, m, "tracker_hwm_kb"))))

ours, ot = "liketorrent", "opentracker"
def ratio(m, k):
    a, b = med(ours, m, k), med(ot, m, k)
    return None if a is None or not b else a / b
if ours in trackers and ot in trackers:
    print("# ratios liketorrent / opentracker (req/s: >1 = we are faster; p99, RSS: <1 = we are better)")
    for m in modes:
        print("%-18s rps=%s p99=%s cpu=%s hwm=%s" % (
            m, f(ratio(m, "rps"), "%.2f"), f(ratio(m, "lat_p99_ms"), "%.2f"),
            f(ratio(m, "tracker_cpu_pct"), "%.2f"), f(ratio(m, "tracker_hwm_kb"), "%.2f")))

mem = {}
for t in trackers:
    peers, growth = med(t, "announce", "live_peers"), None
    rss, base = med(t, "announce", "tracker_rss_kb"), med(t, "announce", "rss_base_kb")
    if peers and rss is not None and base is not None:
        growth = (rss - base) / peers * 100000 / 1024  # MiB per 100k peers
    mem[t] = (peers, rss, base, growth)

print()
print("Tracker benchmark: wrk -t%s -c%s, %s s per mode, %s swarms, random peer ids and ports, "
      "median of %s interleaved runs (same machine, same run)%s." % (
          threads, conns, dur, nswarms, runs,
          "; every request with Connection: close" if close == "1" else
          "; keep-alive (opentracker closes after each answer anyway)"))
print()
print("| mode | tracker | req/s | p50 ms | p99 ms | non-2xx | bad answers | tracker CPU % | peak RSS MB |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for m in modes:
    for t in trackers:
        hwm = med(t, m, "tracker_hwm_kb")
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            m, t, f(med(t, m, "rps")), f(med(t, m, "lat_p50_ms"), "%.2f"),
            f(med(t, m, "lat_p99_ms"), "%.2f"), f(tot(t, m, "non2xx"), "%d"),
            f(tot(t, m, "bad_bodies_check"), "%d"), f(med(t, m, "tracker_cpu_pct")),
            f(None if hwm is None else hwm / 1024, "%.1f")))
    if ours in trackers and ot in trackers:
        print("| %s | **ratio ours/ot** | **%s** | %s | **%s** | | | %s | %s |" % (
            m, f(ratio(m, "rps"), "%.2f"), f(ratio(m, "lat_p50_ms"), "%.2f"),
            f(ratio(m, "lat_p99_ms"), "%.2f"), f(ratio(m, "tracker_cpu_pct"), "%.2f"),
            f(ratio(m, "tracker_hwm_kb"), "%.2f")))
print()
print("| after `announce` | live peers | RSS MB | RSS at start MB | growth per 100,000 peers MB |")
print("|---|---:|---:|---:|---:|")
for t in trackers:
    peers, rss, base, growth = mem[t]
    print("| %s | %s%s | %s | %s | %s |" % (
        t, f(peers), " (est.)" if t != ours else "", f(None if rss is None else rss / 1024, "%.1f"),
        f(None if base is None else base / 1024, "%.1f"), f(growth, "%.1f")))
EOF
