#!/usr/bin/python3
"""Startup with many stored torrents: `liketorrent daemon` side by side with libtorrent.

usage: startup_bench.py            (settings from the environment, see below)
       startup_bench.sh            (the wrapper: checks the binary, then runs this)

The issue's target: "1,000 stored torrents (generated small torrents, no data needed) start in
under one second to a usable state; report the figure and peak RSS".

1. COUNT (1000) small distinct single-file torrents are written into a temp dir by the tiny
   bencode writer below, deterministically (random.Random(SEED)): name bench-NNNN.bin, length
   1-4 MiB, piece length 262144, random 20-byte piece hashes (no data exists), announce
   http://127.0.0.1:9/announce (discard port on loopback: nothing listens, nothing leaves the
   machine). The first and the last are checked once with `liketorrent info --json` (name,
   size, pieces, info-hash as computed here).
2. They go into one fresh client database with `liketorrent add T -d SAVE --db DB --data-dir D`
   (one process per torrent, in order; every 10th with --paused, the rest queued). Timed and
   reported per torrent ("add"), not the figure. That database is kept pristine; every daemon
   run gets a fresh copy of it, so every run starts from the same state.
3. ours, timed: `liketorrent daemon --db COPY --port 0 --data-dir D_RUN`. Its stderr is read
   line by line in a thread, each line time-stamped. "Usable" = a state line ("NAME: STATE
   ...") was printed for every one of the COUNT torrents. Reported: spawn -> "listening for
   peers" line, spawn -> first state line, spawn -> usable. At usable: VmRSS and VmHWM; then
   SETTLE seconds (2) of watching (CPU % of the process over that window, VmHWM again at its
   end = the peak RSS reported), a check that every socket of the process is on loopback (or a
   listener), then SIGTERM: the exit must be status 0 within 10 s (the time is reported).
   Any stderr line that is not a state line, the listening line or the "stopping" line is
   reported as unexpected and fails the run, as does a torrent never reported.
4. libtorrent, same run, same torrents: a fresh /usr/bin/python3 (`python3 -c LT_CHILD`, the
   code is below) creates an lt.session on loopback and quiet (listen_interfaces 127.0.0.1:0,
   DHT, LSD, UPnP, NAT-PMP off), then adds the COUNT torrents the way a client restores a
   session: lt.torrent_info(path), save_path, async_add_torrent for each (every 10th paused and
   not auto-managed = paused by the user; the rest auto-managed = queued, libtorrent's
   active_downloads default is 3, as ours), and waits until COUNT add_torrent_alerts arrived:
   that is "usable"; it prints ADDED at once (then one post_torrent_updates() is asked for and
   the time until the state_update_alert with every torrent's status is reported too). The
   alert queue is polled every 1 ms (pop_alerts), not waited on: Debian's binding segfaults in
   wait_for_alert now and then (see LT_CHILD). The figure is spawn -> the ADDED line read on
   its stdout (from outside, like ours); the inside view is given too: time.monotonic at the
   first statement of the code, after `import libtorrent`, after the session, after the
   submits, at usable; CLOCK_MONOTONIC is system wide, so these are given relative to the
   spawn as well, and "inside" = usable - first statement (no exec/interpreter start-up).
   Peak RSS: VmHWM after SETTLE (as ours) and ru_maxrss. Then SIGTERM, timed clean exit.
   The bare cost of `python3 -c "import libtorrent"` (spawn -> exit, and its ru_maxrss) is
   measured RUNS times too, so the reader can subtract it.
5. Runs are interleaved (run 1: ours then libtorrent, run 2: libtorrent then ours, ...). The
   report: min / median of each figure, the ratios ours / libtorrent (time to usable, peak RSS;
   below 1 = ours is faster / smaller), whether ours met "< 1 s", and a markdown table.

Only processes this script started are signalled, by PID (SIGTERM; SIGKILL after 10 s).
All traffic is on 127.0.0.1 (the only tracker is 127.0.0.1:9; neither client runs DHT, LSD or
port mapping). Our daemon has no bind option and listens on 0.0.0.0/[::] (port 0 = a free
port); libtorrent on 127.0.0.1 only.

Environment:
  LIKETORRENT  binary (default: build/release/app/liketorrent under the repo)
  COUNT        torrents (default 1000)
  RUNS         daemon / libtorrent starts each (default 5)
  SETTLE       seconds to watch each process after usable (default 2)
  TIMEOUT      seconds a start may take to reach usable (default 60)
  SEED         generator seed (default 1)
  CLIENTS      which to run (default "ours lt")
  KEEP         1: keep the temp dir (torrents, databases, every stderr log) and print its path
  TMPDIR       parent of the temp dir

Exit status: 0 when every start reached usable and stopped cleanly, 1 otherwise (the report is
printed either way), 2 on bad usage.
"""
import hashlib
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"  # Debian's python3-libtorrent is only importable by the system python
CLK = os.sysconf("SC_CLK_TCK")
PIECE = 262144
ANNOUNCE = "http://127.0.0.1:9/announce"
STOP_GRACE = 10.0
# to_string(TorrentState) (core/include/core/torrent_state.hpp); "fetching metadata" is two words
STATES = ("checking", "downloading", "seeding", "paused", "stopped", "error", "queued",
          "fetching", "missing_files")
STATE_RE = re.compile(r"^(\S+): (\w+)\s")

# The libtorrent side: run as `python3 -c LT_CHILD TORRENT_DIR SAVE_DIR COUNT`, nothing imported
# before the first time stamp. Prints ADDED once usable (every add_torrent_alert in), `READY
# {json}` after the first status update, `BYE {json}` when leaving after SIGTERM.
LT_CHILD = r'''
import time; t_start = time.monotonic()
import json, os, resource, signal, sys
import libtorrent as lt
t_import = time.monotonic()
# No ses.wait_for_alert(): in Debian's binding (2.0.8) it segfaults now and then (boost::python
# wraps the returned alert pointer while the network thread appends alerts; ~1 start in 50-200
# here), so the alert queue is polled every POLL seconds instead.
POLL = 0.001
tdir, save, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
cat = lt.alert.category_t
ses = lt.session({
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "alert_mask": cat.status_notification | cat.error_notification,
    "alert_queue_size": 4 * count + 1000,
})
t_session = time.monotonic()
files = sorted(f for f in os.listdir(tdir) if f.endswith(".torrent"))[:count]
for i, f in enumerate(files):
    p = lt.add_torrent_params()
    p.ti = lt.torrent_info(os.path.join(tdir, f))
    p.save_path = save
    if i % 10 == 0:  # paused by the user: paused and not auto-managed
        p.flags = (p.flags | lt.torrent_flags.paused) & ~lt.torrent_flags.auto_managed
    ses.async_add_torrent(p)
t_submitted = time.monotonic()
added = failed = 0
errors = []
while added < len(files):
    time.sleep(POLL)
    for a in ses.pop_alerts():
        if isinstance(a, lt.add_torrent_alert):
            added += 1
            if a.error.value():
                failed += 1
                errors.append(a.message())
t_ready = time.monotonic()
print("ADDED", flush=True)
ses.post_torrent_updates()
statuses = 0
while statuses == 0:
    time.sleep(POLL)
    for a in ses.pop_alerts():
        if isinstance(a, lt.state_update_alert):
            statuses += len(a.status)
t_status = time.monotonic()
def status_kib():
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS"):
                out[k] = int(v.split()[0])
    return out
m = status_kib()
print("READY " + json.dumps({
    "t_start": t_start, "t_import": t_import, "t_session": t_session,
    "t_submitted": t_submitted, "t_ready": t_ready, "t_status": t_status,
    "added": added, "failed": failed, "errors": errors[:5], "statuses": statuses,
    "hwm_kib": m.get("VmHWM"), "rss_kib": m.get("VmRSS"),
    "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)
late_errors = []
while not stop:
    time.sleep(0.01)
    for a in ses.pop_alerts():
        if a.category() & cat.error_notification and len(late_errors) < 20:
            late_errors.append(type(a).__name__ + ": " + a.message())
t_term = time.monotonic()
del ses
print("BYE " + json.dumps({"t_term": t_term, "t_gone": time.monotonic(),
                           "late_errors": late_errors,
                           "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}),
      flush=True)
'''


def env(name, default):
    return os.environ.get(name) or default


def die(msg, code=2):
    print("startup_bench: " + msg, file=sys.stderr)
    sys.exit(code)


def env_int(name, default, minimum=1):
    raw = env(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        die(f"{name} must be an integer, got {raw!r}")
    if value < minimum:
        die(f"{name} must be >= {minimum}, got {value}")
    return value


def env_float(name, default):
    raw = env(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        die(f"{name} must be a number, got {raw!r}")
    if value < 0:
        die(f"{name} must be >= 0")
    return value


# --- torrents ---------------------------------------------------------------------------------

def bencode(x):
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, str):
        x = x.encode()
    if isinstance(x, bytes):
        return b"%d:%s" % (len(x), x)
    if isinstance(x, list):
        return b"l" + b"".join(bencode(v) for v in x) + b"e"
    if isinstance(x, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in x.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise TypeError(type(x))


def make_torrents(tdir, count, seed):
    """Writes COUNT .torrent files; returns [(path, name, info_hash_hex, length, pieces)]."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        name = "bench-%04d.bin" % i
        length = rng.randint(1 << 20, 4 << 20)
        pieces = (length + PIECE - 1) // PIECE
        info = {"name": name, "length": length, "piece length": PIECE,
                "pieces": rng.randbytes(20 * pieces)}
        path = os.path.join(tdir, "bench-%04d.torrent" % i)
        with open(path, "wb") as fh:
            fh.write(bencode({"announce": ANNOUNCE, "info": info}))
        out.append((path, name, hashlib.sha1(bencode(info)).hexdigest(), length, pieces))
    return out


def check_with_info(binary, torrent):
    path, name, ih, length, pieces = torrent
    r = subprocess.run([binary, "info", "--json", path], capture_output=True, text=True,
                       timeout=30)
    if r.returncode != 0:
        die(f"`liketorrent info --json {path}` failed ({r.returncode}): {r.stderr.strip()}", 1)
    j = json.loads(r.stdout)
    got = (j.get("name"), j.get("info_hash"), j.get("total_size"), j.get("num_pieces"),
           j.get("trackers"))
    want = (name, ih, length, pieces, [[ANNOUNCE]])
    if got != want:
        die(f"`liketorrent info` reads {path} as {got}, expected {want}", 1)


# --- processes --------------------------------------------------------------------------------

STARTED = []  # Popen objects of every process this script started (stopped by PID on exit)


def spawn(argv, **kw):
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kw)
    STARTED.append(p)
    return p


def stop_started():
    for p in STARTED:
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
                p.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
            except ProcessLookupError:
                pass


def proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS", "Threads"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def cpu_ticks(pid):
    """utime + stime of the process (all its threads), in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def socket_inodes(pid):
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def _addr(hexaddr, v6):
    host, port = hexaddr.split(":")
    port = int(port, 16)
    raw = bytes.fromhex(host)
    if not v6:
        return ".".join(str(b) for b in raw[::-1]), port
    words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
    b = b"".join(words)
    if b[:12] == b"\0" * 10 + b"\xff\xff":  # v4-mapped
        return ".".join(str(x) for x in b[12:]), port
    return ":".join(b[i:i + 2].hex() for i in range(0, 16, 2)), port


def off_loopback_sockets(pid):
    """Sockets of PID whose remote end is set and not on loopback: [(proto, local, remote)]."""
    inodes = socket_inodes(pid)
    bad = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        try:
            with open(f"/proc/{pid}/net/{proto}") as fh:
                next(fh)
                for line in fh:
                    f = line.split()
                    if f[9] not in inodes:
                        continue
                    v6 = proto.endswith("6")
                    rhost, rport = _addr(f[2], v6)
                    if rport == 0 and rhost in ("0.0.0.0", "0000:0000:0000:0000:0000:0000:0000:0000"):
                        continue  # a listener / unconnected socket
                    if rhost.startswith("127.") or rhost == "0000:0000:0000:0000:0000:0000:0000:0001":
                        continue
                    bad.append((proto, "%s:%d" % _addr(f[1], v6), "%s:%d" % (rhost, rport)))
        except OSError:
            pass
    return bad


class LineReader(threading.Thread):
    """Reads a pipe line by line, time-stamping each line (time.monotonic)."""

    def __init__(self, pipe, on_line=None):
        super().__init__(daemon=True)
        self.pipe, self.on_line, self.lines = pipe, on_line, []

    def run(self):
        for raw in self.pipe:
            ts = time.monotonic()
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append((ts, line))
            if self.on_line:
                self.on_line(ts, line)


def watch_settle(pid, seconds):
    """CPU % (100 = one core) of PID over `seconds`."""
    t0, c0 = time.monotonic(), cpu_ticks(pid)
    time.sleep(seconds)
    t1, c1 = time.monotonic(), cpu_ticks(pid)
    if c0 is None or c1 is None or t1 <= t0:
        return None
    return 100.0 * (c1 - c0) / CLK / (t1 - t0)


def stop_and_report(p, res):
    """SIGTERM a client still running; its stop time and any unclean exit go into res."""
    if p.poll() is None:
        res["stop_s"], rc = terminate_timed(p)
        if rc is None:
            res["problems"].append(f"no exit within {STOP_GRACE:g} s of SIGTERM: killed")
        elif rc != 0:
            res["problems"].append(f"exit status {rc} after SIGTERM")


def terminate_timed(p):
    """SIGTERM, wait up to STOP_GRACE s: (seconds, exit status or None if it had to be killed)."""
    t0 = time.monotonic()
    os.kill(p.pid, signal.SIGTERM)
    try:
        rc = p.wait(STOP_GRACE)
        return time.monotonic() - t0, rc
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        return time.monotonic() - t0, None


# --- ours -------------------------------------------------------------------------------------

def add_all(binary, torrents, db, save, ddir, log):
    per = []
    for i, (path, name, _, _, _) in enumerate(torrents):
        argv = [binary, "add", path, "-d", save, "--db", db, "--data-dir", ddir]
        if i % 10 == 0:
            argv.append("--paused")
        t0 = time.monotonic()
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=60)
        per.append(time.monotonic() - t0)
        log.write(r.stdout + r.stderr)
        want = "paused" if i % 10 == 0 else "queued"
        if r.returncode != 0 or not r.stdout.rstrip().endswith(": " + want):
            die(f"`{' '.join(argv)}` failed ({r.returncode}): {r.stdout.strip()} "
                f"{r.stderr.strip()}", 1)
    return per


def run_ours(binary, pristine_db, workdir, run, torrents, timeout, settle):
    rdir = os.path.join(workdir, f"ours-run{run}")
    os.makedirs(rdir)
    db = os.path.join(rdir, "client.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(pristine_db + suffix):
            shutil.copy(pristine_db + suffix, db + suffix)
    ddir = os.path.join(rdir, "data")
    names = {t[1] for t in torrents}
    by_hex = {t[2]: t[1] for t in torrents}
    first = {}  # name -> (ts, state)
    res = {"client": "ours", "run": run, "ok": False, "problems": []}
    ready = threading.Event()
    marks = {}

    def on_line(ts, line):
        if line.startswith("listening for peers on port "):
            marks.setdefault("listen", ts)
            return
        m = STATE_RE.match(line)
        if not m or m.group(2) not in STATES:
            return
        key = m.group(1)
        key = by_hex.get(key, key)
        if key in names and key not in first:
            first[key] = (ts, m.group(2))
            marks.setdefault("first_state", ts)
            if len(first) == len(names):
                marks["usable"] = ts
                ready.set()

    out = open(os.path.join(rdir, "stdout.log"), "wb")
    t_spawn = time.monotonic()
    p = spawn([binary, "daemon", "--db", db, "--port", "0", "--data-dir", ddir],
              stdout=out, stderr=subprocess.PIPE)
    reader = LineReader(p.stderr, on_line)
    reader.start()
    deadline = t_spawn + timeout
    while not ready.is_set() and p.poll() is None and time.monotonic() < deadline:
        ready.wait(0.01)
    t_seen = time.monotonic()
    if ready.is_set():
        st = proc_status(p.pid)
        res.update(usable_s=marks["usable"] - t_spawn, rss_at_usable_kib=st.get("VmRSS"),
                   hwm_at_usable_kib=st.get("VmHWM"), threads=st.get("Threads"),
                   detect_lag_s=t_seen - marks["usable"])
        res["cpu_pct"] = watch_settle(p.pid, settle)
        st = proc_status(p.pid)
        res.update(hwm_kib=st.get("VmHWM"), rss_kib=st.get("VmRSS"))
        bad = off_loopback_sockets(p.pid)
        if bad:
            res["problems"].append(f"sockets off loopback: {bad[:5]}")
    else:
        if p.poll() is not None:
            res["problems"].append(f"daemon exited with status {p.returncode} before usable")
        else:
            res["problems"].append(f"not usable after {timeout:g} s")
        missing = sorted(names - set(first))
        res["problems"].append(f"{len(missing)} of {len(names)} torrents never reported "
                               f"(first: {missing[:5]})")
    stop_and_report(p, res)
    reader.join(5)
    out.close()
    lines = reader.lines
    with open(os.path.join(rdir, "stderr.log"), "w") as fh:
        for ts, line in lines:
            fh.write("%9.4f %s\n" % (ts - t_spawn, line))
    if "listen" in marks:
        res["listen_s"] = marks["listen"] - t_spawn
    if "first_state" in marks:
        res["first_state_s"] = marks["first_state"] - t_spawn
    counts = {}
    for _, state in first.values():
        counts[state] = counts.get(state, 0) + 1
    res["first_states"] = counts
    unexpected, hexnamed, downloading = [], 0, set()
    for ts, line in lines:
        if line.startswith("listening for peers on port ") or \
                line == "stopping: saving every torrent's state":
            continue
        m = STATE_RE.match(line)
        if m and m.group(2) in STATES and (m.group(1) in names or m.group(1) in by_hex):
            if m.group(1) in by_hex:
                hexnamed += 1
            if m.group(2) == "downloading":
                downloading.add(m.group(1))
            if m.group(2) in ("error", "missing_files"):
                unexpected.append("%.3f %s" % (ts - t_spawn, line))
            continue
        unexpected.append("%.3f %s" % (ts - t_spawn, line))
    res["downloading"] = len(downloading)
    res["state_lines"] = sum(1 for _, l in lines if STATE_RE.match(l))
    if hexnamed:
        res["problems"].append(f"{hexnamed} state lines name a torrent by its info-hash")
    if unexpected:
        res["problems"].append(f"{len(unexpected)} unexpected stderr lines, e.g. "
                               + " | ".join(unexpected[:5]))
    res["ok"] = "usable_s" in res and not res["problems"]
    return res


# --- libtorrent -------------------------------------------------------------------------------

def run_lt(tdir, workdir, run, count, timeout, settle):
    rdir = os.path.join(workdir, f"lt-run{run}")
    save = os.path.join(rdir, "save")
    os.makedirs(save)
    res = {"client": "libtorrent", "run": run, "ok": False, "problems": []}
    ready = threading.Event()
    got = {}

    def on_line(ts, line):
        if line == "ADDED":
            got["ADDED"] = ts
        for tag in ("READY ", "BYE "):
            if line.startswith(tag):
                got[tag.strip()] = (ts, json.loads(line[len(tag):]))
                if tag == "READY ":
                    ready.set()

    err = open(os.path.join(rdir, "stderr.log"), "wb")
    t_spawn = time.monotonic()
    p = spawn([PY, "-c", LT_CHILD, tdir, save, str(count)], stdout=subprocess.PIPE, stderr=err)
    reader = LineReader(p.stdout, on_line)
    reader.start()
    deadline = t_spawn + timeout
    while not ready.is_set() and p.poll() is None and time.monotonic() < deadline:
        ready.wait(0.01)
    if ready.is_set():
        ts, j = got["READY"]
        res.update(usable_s=got["ADDED"] - t_spawn,  # outside: spawn -> the ADDED line read
                   inner_usable_s=j["t_ready"] - j["t_start"],
                   start_s=j["t_start"] - t_spawn, import_s=j["t_import"] - t_spawn,
                   session_s=j["t_session"] - t_spawn, submitted_s=j["t_submitted"] - t_spawn,
                   ready_s=j["t_ready"] - t_spawn, status_s=j["t_status"] - t_spawn,
                   statuses=j["statuses"], rss_at_usable_kib=j["rss_kib"],
                   hwm_at_usable_kib=j["hwm_kib"])
        if j["added"] != count or j["failed"]:
            res["problems"].append(f"added {j['added']}, failed {j['failed']}: {j['errors']}")
        if j["statuses"] != count:
            res["problems"].append(f"state_update_alert carried {j['statuses']} statuses")
        st = proc_status(p.pid)
        res["threads"] = st.get("Threads")
        res["cpu_pct"] = watch_settle(p.pid, settle)
        st = proc_status(p.pid)
        res.update(hwm_kib=st.get("VmHWM"), rss_kib=st.get("VmRSS"))
        bad = off_loopback_sockets(p.pid)
        if bad:
            res["problems"].append(f"sockets off loopback: {bad[:5]}")
    else:
        res["problems"].append(f"exited with status {p.returncode} before usable"
                               if p.poll() is not None else f"not usable after {timeout:g} s")
    stop_and_report(p, res)
    reader.join(5)
    err.close()
    if "BYE" in got:
        bye = got["BYE"][1]
        res["maxrss_kib"] = bye["maxrss_kib"]
        if bye["late_errors"]:
            res["late_errors"] = bye["late_errors"]
    with open(os.path.join(rdir, "stderr.log"), errors="replace") as fh:
        text = fh.read().strip()
    if text:
        res["problems"].append("stderr: " + text[-300:])
    res["ok"] = "usable_s" in res and not res["problems"]
    return res


def bare_import(code):
    """spawn -> exit of `python3 -c CODE`: (seconds, ru_maxrss KiB)."""
    t0 = time.monotonic()
    p = spawn([PY, "-c", code], stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        die(f"`{PY} -c {code!r}` failed ({p.returncode})", 1)
    return dt, ru.ru_maxrss


# --- report -----------------------------------------------------------------------------------

def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return min(values), statistics.median(values)


def fmt_s(v):
    return "-" if v is None else "%.3f" % v


def fmt_pct(v):
    return "-" if v is None else "%.1f" % v


def fmt_mb(kib):
    return "-" if kib is None else "%.1f" % (kib / 1024.0)


def ratio(a, b):
    return "-" if a is None or b in (None, 0) else "%.2f" % (a / b)


def main():
    if len(sys.argv) > 1:
        print(__doc__)
        return 0 if sys.argv[1] in ("-h", "--help") else 2
    binary = env("LIKETORRENT", os.path.join(ROOT, "build/release/app/liketorrent"))
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        die(f"{binary} not found: build it first (make build), or set LIKETORRENT")
    binary = os.path.abspath(binary)
    count = env_int("COUNT", 1000)
    runs = env_int("RUNS", 5)
    settle = env_float("SETTLE", 2)
    timeout = env_float("TIMEOUT", 60)
    seed = env_int("SEED", 1, minimum=0)
    clients = env("CLIENTS", "ours lt").split()
    for c in clients:
        if c not in ("ours", "lt"):
            die(f"CLIENTS: unknown {c!r} (ours, lt)")
    keep = env("KEEP", "0") == "1"

    workdir = tempfile.mkdtemp(prefix="lt-startup-bench-")
    failed = False
    try:
        tdir = os.path.join(workdir, "torrents")
        os.makedirs(tdir)
        t0 = time.monotonic()
        torrents = make_torrents(tdir, count, seed)
        print(f"== {count} torrents written to {tdir} in {time.monotonic() - t0:.2f} s "
              f"(seed {seed}; 1-4 MiB, 256 KiB pieces, every 10th added paused)")
        for t in {0: torrents[0], 1: torrents[-1]}.values():
            check_with_info(binary, t)
        print(f"   `liketorrent info` reads {torrents[0][1]} and {torrents[-1][1]} as written")
        print(f"   binary: {binary} (modified {time.ctime(os.path.getmtime(binary))})")

        pristine = os.path.join(workdir, "pristine", "client.db")
        os.makedirs(os.path.dirname(pristine))
        if "ours" in clients:
            with open(os.path.join(workdir, "pristine", "add.log"), "w") as log:
                t0 = time.monotonic()
                per = add_all(binary, torrents, pristine, os.path.join(workdir, "save"),
                              os.path.join(workdir, "pristine", "data"), log)
                total = time.monotonic() - t0
            tenth = max(1, len(per) // 10)
            print(f"== add: {count} x `liketorrent add` in {total:.2f} s: per torrent median "
                  f"{statistics.median(per) * 1000:.1f} ms, min {min(per) * 1000:.1f}, max "
                  f"{max(per) * 1000:.1f}; first {tenth} mean "
                  f"{statistics.mean(per[:tenth]) * 1000:.1f} ms, last {tenth} mean "
                  f"{statistics.mean(per[-tenth:]) * 1000:.1f} ms; database "
                  f"{os.path.getsize(pristine) / 1e6:.2f} MB")

        bare = {"pass": [], "import": []}
        results = {"ours": [], "lt": []}
        for run in range(1, runs + 1):
            order = clients if run % 2 else clients[::-1]
            for c in order:
                if c == "ours":
                    r = run_ours(binary, pristine, workdir, run, torrents, timeout, settle)
                else:
                    r = run_lt(tdir, workdir, run, count, timeout, settle)
                results[c].append(r)
                if r.get("usable_s") is not None:
                    line = (f"   run {run} {r['client']:10s} usable {r['usable_s']:.3f} s"
                            f"  peak RSS {fmt_mb(r.get('hwm_kib'))} MB"
                            f"  RSS {fmt_mb(r.get('rss_kib'))} MB"
                            f"  CPU after {fmt_pct(r.get('cpu_pct'))} %"
                            f"  stop {fmt_s(r.get('stop_s'))} s")
                    if c == "ours":
                        line += (f"  listen {fmt_s(r.get('listen_s'))} s first state "
                                 f"{fmt_s(r.get('first_state_s'))} s {r['first_states']}"
                                 f" downloading {r['downloading']}")
                    else:
                        line += (f"  (inside {r['inner_usable_s']:.3f} s, stamped "
                                 f"{r['ready_s']:.3f} s; import done "
                                 f"{r['import_s']:.3f} s, session {r['session_s']:.3f} s, all "
                                 f"submitted {r['submitted_s']:.3f} s, statuses "
                                 f"{r['status_s']:.3f} s)")
                    print(line)
                else:
                    print(f"   run {run} {r['client']:10s} NOT USABLE")
                for prob in r["problems"]:
                    print(f"   !!! run {run} {r['client']}: {prob}")
                if not r["ok"]:
                    failed = True
                sys.stdout.flush()
            if "lt" in clients:
                bare["pass"].append(bare_import("pass"))
                bare["import"].append(bare_import("import libtorrent"))

        # ---- report
        print()
        print(f"== startup with {count} stored torrents, {runs} runs "
              f"(min / median; peak RSS = VmHWM {settle:g} s after usable)")
        rows = {}
        for c in clients:
            rs = [r for r in results[c] if r.get("usable_s") is not None]
            rows[c] = {
                "usable": stats([r["usable_s"] for r in rs]),
                "hwm": stats([r.get("hwm_kib") for r in rs]),
                "rss": stats([r.get("rss_kib") for r in rs]),
                "rss_u": stats([r.get("rss_at_usable_kib") for r in rs]),
                "cpu": stats([r.get("cpu_pct") for r in rs]),
                "stop": stats([r.get("stop_s") for r in rs]),
                "n": len(rs),
                "ok": sum(1 for r in results[c] if r["ok"]),
            }
        label = {"ours": "liketorrent daemon", "lt": "libtorrent (python)"}
        hdr = ("| client | usable s min | usable s median | peak RSS MB min | peak RSS MB median "
               "| RSS at usable MB | CPU % after | stop s median | clean runs |")
        print(hdr)
        print("|" + "---|" * 2 + "---:|" * 7)
        for c in clients:
            r = rows[c]
            print(f"| {label[c]} | {fmt_s(r['usable'][0])} | {fmt_s(r['usable'][1])} | "
                  f"{fmt_mb(r['hwm'][0])} | {fmt_mb(r['hwm'][1])} | {fmt_mb(r['rss_u'][1])} | "
                  f"{'-' if r['cpu'][1] is None else '%.0f' % r['cpu'][1]} | "
                  f"{fmt_s(r['stop'][1])} | {r['ok']}/{runs} |")
        if "ours" in rows and "lt" in rows:
            o, l = rows["ours"], rows["lt"]
            print(f"| **ratio ours/libtorrent** | {ratio(o['usable'][0], l['usable'][0])} | "
                  f"**{ratio(o['usable'][1], l['usable'][1])}** | {ratio(o['hwm'][0], l['hwm'][0])} | "
                  f"**{ratio(o['hwm'][1], l['hwm'][1])}** | {ratio(o['rss_u'][1], l['rss_u'][1])} "
                  f"| | | |")
        def med(c, key):
            return fmt_s(stats([r.get(key) for r in results[c] if "usable_s" in r])[1])
        if "ours" in rows and rows["ours"]["n"]:
            print(f"\nours, medians from spawn: 'listening' line {med('ours', 'listen_s')} s, "
                  f"first state line {med('ours', 'first_state_s')} s, all {count} reported "
                  f"{med('ours', 'usable_s')} s; clean stop (SIGTERM -> exit 0) "
                  f"{med('ours', 'stop_s')} s")
        if "lt" in rows and rows["lt"]["n"]:
            mx = stats([r.get("maxrss_kib") for r in results["lt"]])[1]
            print(f"libtorrent, medians from spawn: first statement {med('lt', 'start_s')} s, "
                  f"import done {med('lt', 'import_s')} s, session {med('lt', 'session_s')} s, "
                  f"all submitted {med('lt', 'submitted_s')} s, all added (stamped) "
                  f"{med('lt', 'ready_s')} s, ADDED read {med('lt', 'usable_s')} s, every "
                  f"status in {med('lt', 'status_s')} s; inside (added - first statement) "
                  f"{med('lt', 'inner_usable_s')} s; ru_maxrss {fmt_mb(mx)} MB; clean stop "
                  f"{med('lt', 'stop_s')} s")
        if bare["import"]:
            ps, pm = stats([x[0] for x in bare["pass"]]), stats([x[1] for x in bare["pass"]])
            imp, im = stats([x[0] for x in bare["import"]]), stats([x[1] for x in bare["import"]])
            print(f"\nbare `python3 -c pass`: {fmt_s(ps[0])} / {fmt_s(ps[1])} s, peak RSS "
                  f"{fmt_mb(pm[1])} MB; bare `python3 -c 'import libtorrent'`: {fmt_s(imp[0])} / "
                  f"{fmt_s(imp[1])} s, peak RSS {fmt_mb(im[1])} MB (min / median)")
            l = rows.get("lt")
            if l and l["usable"][1] is not None:
                net_t = l["usable"][1] - imp[1]
                net_m = l["hwm"][1] - im[1] if l["hwm"][1] is not None else None
                print(f"libtorrent minus the bare import (medians): usable {net_t:.3f} s, "
                      f"peak RSS {fmt_mb(net_m)} MB")
                o = rows.get("ours")
                if o and o["usable"][1] is not None and net_t > 0:
                    print(f"ratio ours / (libtorrent minus import): usable "
                          f"{o['usable'][1] / net_t:.2f}, peak RSS "
                          f"{ratio(o['hwm'][1], net_m)}")
        if "ours" in rows:
            o = rows["ours"]
            if o["usable"][1] is None:
                print("\ntarget: 1,000 torrents usable in < 1 s: NOT MEASURED (no usable start)")
            else:
                met = o["usable"][1] < 1.0 and o["n"] == runs
                print(f"\ntarget ({count} torrents usable in < 1 s): median "
                      f"{o['usable'][1]:.3f} s, worst "
                      f"{max(r['usable_s'] for r in results['ours'] if 'usable_s' in r):.3f} s: "
                      f"{'MET' if met else 'NOT MET'}"
                      + ("" if count == 1000 else f" (COUNT={count}, not the target's 1000)"))
        if failed:
            print("\n!!! some starts failed or misbehaved (see the !!! lines above)")
    finally:
        stop_started()
        if keep:
            print(f"\nkept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        stop_started()
        sys.exit(130)
