#!/usr/bin/python3
"""Loopback transfer benchmark: liketorrent side by side with libtorrent, transmission and aria2c.

usage: transfer_bench.py            (settings from the environment, see below)
       transfer_bench.sh            (the wrapper `make bench` runs)

One single-file torrent (SIZE_MIB, default 1024 = 1 GiB; 1 MiB pieces, made by
`liketorrent create`), its payload generated once by gen_payloads.py into $BENCH_DATA (seeded,
incompressible) and kept. Everything talks over 127.0.0.1 through OUR tracker
(`liketorrent tracker --bind 127.0.0.1`, fresh --db and --data-dir for every transfer). Pairs
(seeder -> leecher), measured in one run and interleaved run by run (run 1: every pair, run 2:
every pair, ...; the TCP references first, then the client pairs in an order rotated by one
each run, so no pair always follows the same one):

  tcp_loopback            plain TCP, one stream, SIZE bytes memory -> memory (the wire limit;
                          the reference of the "within 2x" target)
  tcp_to_file             plain TCP, one stream: sendfile(payload) -> recv -> write to a new
                          file under LEECH_BASE (wire + page-cache write, no hashing; for
                          reading the ratio above, no target)
  ours->ours              liketorrent seed            -> liketorrent download
  libtorrent->libtorrent  lt_peer.py seed (python3-libtorrent, high_performance_seed, TCP only)
                                                      -> lt_peer.py download
  transmission->ours      transmission-cli (uTP off, plaintext preferred, cache 64 MB)
                                                      -> liketorrent download
  ours->aria2c            liketorrent seed            -> aria2c --seed-time=0

Every transfer: fresh tracker, the seeder checks the payload (page cache warmed by reading the
file first) and is ready once our tracker's scrape shows complete >= 1; then the leecher starts
in a fresh empty directory under LEECH_BASE and has TIMEOUT seconds to exit by itself.
  wall_s       leecher spawn -> leecher exit (exit 0 once complete and verified); after the
               timing the file is compared with the payload (cmp): `verified`
  MB/s         payload bytes / 1e6 / wall_s
  leech_cpu_s  user + system CPU of the leecher (wait4 rusage: its whole process tree)
  seed_cpu_s   utime + stime delta of the seeder (/proc/PID/stat) over the leecher window
  *_anon_MB    peak RssAnon (private memory) of the process, /proc/PID/status every SAMPLE_MS
  *_hwm_MB     VmHWM (peak resident set, page cache of mmapped files included): the leecher's
               from wait4 (ru_maxrss), the seeder's read at the end of the leecher window
Then the medians per pair (verified runs only), the ratios and targets, and a markdown table.
Every client is spawned directly (no shell in between): its PID is the client's. Only processes
this script started are signalled, by PID (SIGTERM or SIGINT, SIGKILL after a grace period).

Environment:
  LIKETORRENT  binary (default: build/release/app/liketorrent under the repo)
  SIZE_MIB     payload size in MiB (default 1024; e.g. 64 for a dry run)
  RUNS         runs (default 3)
  PAIRS        which pairs, in order (default: tcp tcpfile ours-ours lt-lt tr-ours ours-aria2)
  TIMEOUT      seconds per leecher (default 300)
  STALL        a leecher that makes no progress for this long is stopped early (default 60 s;
               progress = bytes allocated in its directory or bytes it read, sockets included)
  BENCH_DATA   payload dir (default /tmp/lt-bench-data)
  LEECH_BASE   parent of the fresh leecher dirs (default $TMPDIR or /tmp; /dev/shm takes the
               disk out)
  OUT_DIR      keep every log and the results here (default: a temp dir, removed at the end)
  OURS_VERBOSE 1: run our seed/download with -v (logs in OUT_DIR)
  OUR_SEED_ARGS  extra arguments for our `seed` (e.g. "--upload-slots 0")
  SAMPLE_MS    memory sampling period (default 100)
"""
import hashlib
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CLK = os.sysconf("SC_CLK_TCK")
PY = "/usr/bin/python3"  # Debian's python3-libtorrent is only importable by the system python
ALL_PAIRS = ["tcp", "tcpfile", "ours-ours", "lt-lt", "tr-ours", "ours-aria2"]
LABELS = {
    "tcp": "tcp_loopback",
    "tcpfile": "tcp_to_file",
    "ours-ours": "ours->ours",
    "lt-lt": "libtorrent->libtorrent",
    "tr-ours": "transmission->ours",
    "ours-aria2": "ours->aria2c",
}


def env(name, default):
    v = os.environ.get(name, "")
    return v if v != "" else default


def die(msg, code=2):
    print("transfer_bench: " + msg, file=sys.stderr)
    sys.exit(code)


# ---------------------------------------------------------------------------------- bencode
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_pieces import bdecode  # noqa: E402  (the one bdecoder of tests/bench)


def torrent_facts(path):
    """(info-hash bytes, name, length) of a single-file torrent"""
    data = open(path, "rb").read()
    top, _ = bdecode(data)
    # the info-hash is over the exact info bytes: find them by decoding the top dict in order
    i = 1
    while data[i:i + 1] != b"e":
        k, i = bdecode(data, i)
        _, j = bdecode(data, i)
        if k == b"info":
            ih = hashlib.sha1(data[i:j]).digest()
            break
        i = j
    info = top[b"info"]
    return ih, info[b"name"].decode(), info[b"length"]


def scrape_complete(tport, ih):
    q = "".join("%%%02X" % b for b in ih)
    try:
        body = urllib.request.urlopen(
            "http://127.0.0.1:%d/scrape?info_hash=%s" % (tport, q), timeout=2).read()
        files = bdecode(body)[0].get(b"files", {})
        return files.get(ih, {}).get(b"complete", 0)
    except Exception:
        return None


# ---------------------------------------------------------------------------------- /proc
def proc_stat(pid):
    """dict(ticks, anon_kb, rss_kb, hwm_kb) of a live, non-zombie process, else None"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        fields = s[s.rindex(")") + 2:].split()
        if fields[0] == "Z":
            return None
        out = dict(ticks=int(fields[11]) + int(fields[12]), anon_kb=0, rss_kb=0, hwm_kb=0)
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k = line.split(":", 1)[0]
                if k == "RssAnon":
                    out["anon_kb"] = int(line.split()[1])
                elif k == "VmRSS":
                    out["rss_kb"] = int(line.split()[1])
                elif k == "VmHWM":
                    out["hwm_kb"] = int(line.split()[1])
        return out
    except (OSError, ValueError, IndexError):
        return None


class Sampler:
    """Peak RssAnon / VmRSS (and the last VmHWM) of some PIDs, every `interval` seconds."""

    def __init__(self, interval):
        self.interval = interval
        self.pids = {}
        self.peak = {}
        self.lock = threading.Lock()
        self.stop_ev = threading.Event()
        self.th = threading.Thread(target=self.loop, daemon=True)
        self.th.start()

    def add(self, label, pid):
        with self.lock:
            self.pids[label] = pid
            self.peak[label] = dict(anon_kb=0, rss_kb=0, hwm_kb=0)
        self.sample()

    def sample(self):
        with self.lock:
            for label, pid in self.pids.items():
                s = proc_stat(pid)
                if s:
                    pk = self.peak[label]
                    for k in ("anon_kb", "rss_kb", "hwm_kb"):
                        pk[k] = max(pk[k], s[k])

    def loop(self):
        while not self.stop_ev.wait(self.interval):
            self.sample()

    def stop(self):
        self.stop_ev.set()
        self.th.join(5)


def cpu_busy_pct(seconds=0.5):
    """system-wide non-idle CPU % over a short window (is something else running?)"""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = snap()
    time.sleep(seconds)
    t1, i1 = snap()
    return 100.0 * (1 - (i1 - i0) / max(1, t1 - t0))


# ---------------------------------------------------------------------------------- processes
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def port_listening(port):
    s = socket.socket()
    s.settimeout(0.2)
    try:
        s.connect(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


class Proc:
    """A child started directly (own session), its log, and a bounded stop by PID."""

    def __init__(self, name, argv, log_path, cwd=None, stop_signal=signal.SIGTERM):
        self.name, self.argv, self.log = name, argv, log_path
        self.stop_signal = stop_signal
        with open(log_path, "ab") as logf:
            logf.write(("$ " + " ".join(shlex.quote(a) for a in argv) + "\n").encode())
            logf.flush()
            self.t0 = time.perf_counter()
            self.p = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, cwd=cwd,
                                      stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.p.pid
        self.rc = None
        self.ru = None
        self.t1 = None

    def alive(self):
        return self.rc is None and self.p.poll() is None

    def wait4(self):
        """blocking reap with rusage (the leecher's own waiter thread)"""
        _, status, ru = os.wait4(self.pid, 0)
        self.t1 = time.perf_counter()
        self.rc = os.waitstatus_to_exitcode(status)
        self.ru = ru
        self.p.returncode = self.rc  # reaped here; keep Popen from waiting again

    def stop(self, grace=10.0):
        """stop_signal, then SIGKILL after `grace` s; returns the exit code (None: unknown)"""
        if self.rc is not None or self.p.returncode is not None:
            return self.rc if self.rc is not None else self.p.returncode
        try:
            self.p.send_signal(self.stop_signal)
        except ProcessLookupError:
            pass
        try:
            self.rc = self.p.wait(grace)
        except subprocess.TimeoutExpired:
            print("#   %s (pid %d) still running %.0f s after %s: SIGKILL"
                  % (self.name, self.pid, grace, signal.Signals(self.stop_signal).name))
            self.p.kill()
            try:
                self.rc = self.p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        return self.rc


def progress_mark(pid, d):
    """(bytes allocated under d, bytes pid has read so far incl. sockets) for stall detection"""
    disk = 0
    for root, _, files in os.walk(d):
        for name in files:
            try:
                disk += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    rchar = 0
    try:
        with open("/proc/%d/io" % pid) as f:
            for line in f:
                if line.startswith("rchar:"):
                    rchar = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return disk, rchar


def log_tail(path, n=25):
    try:
        with open(path, errors="replace") as f:
            lines = [x for x in re.split(r"[\r\n]+", f.read()) if x.strip()]
    except OSError:
        return
    runs = []  # consecutive repeats (progress lines) collapsed
    for line in lines:
        line = line.rstrip()[:300]
        if runs and runs[-1][0] == line:
            runs[-1][1] += 1
        else:
            runs.append([line, 1])
    print("#   --- last %d lines of %s:" % (min(n, len(runs)), path))
    for line, count in runs[-n:]:
        print("#   | " + line + ("   (x%d)" % count if count > 1 else ""))


def listen_addrs(pid):
    """TCP listening addresses of pid (ss), for the loopback-only note"""
    try:
        out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.split()[3] for line in out.splitlines() if "pid=%d," % pid in line]


# ---------------------------------------------------------------------------------- raw TCP
def tcp_loopback(nbytes, src=None, out_path=None):
    """one TCP stream on 127.0.0.1; sender and receiver are two processes.
    Without src: nbytes from a 1 MiB buffer to recv_into (memory to memory). With src and
    out_path: sendfile(src) -> recv_into -> write(out_path) (a new file; no fsync), what a
    client must do at least, minus hashing. -> dict(ok, wall, send_cpu, recv_cpu)"""
    chunk = 1 << 20
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # receiver
        try:
            os.close(r)
            conn, _ = ls.accept()
            buf = memoryview(bytearray(chunk))
            out = open(out_path, "wb", buffering=0) if out_path else None
            got = 0
            while got < nbytes:
                n = conn.recv_into(buf, chunk)
                if n == 0:
                    break
                if out:
                    out.write(buf[:n])
                got += n
            if out:
                out.close()
            ru = os.times()
            os.write(w, b"%d %f" % (got, ru.user + ru.system))
        finally:
            os._exit(0)
    os.close(w)
    ls.close()
    buf = memoryview(os.urandom(chunk))
    f = open(src, "rb") if src else None
    c0 = os.times()
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    sent = 0
    while sent < nbytes:
        if f:
            n = os.sendfile(s.fileno(), f.fileno(), sent, min(1 << 24, nbytes - sent))
            if n == 0:
                break
            sent += n
        else:
            sent += s.send(buf[:min(chunk, nbytes - sent)])
    msg = b""
    while True:  # the receiver reports once it has everything
        part = os.read(r, 100)
        if not part:
            break
        msg += part
    wall = time.perf_counter() - t0
    c1 = os.times()
    s.close()
    if f:
        f.close()
    os.close(r)
    os.waitpid(pid, 0)
    got, rcpu = msg.split()
    return dict(ok=int(got) == nbytes, wall=wall,
                send_cpu=(c1.user + c1.system) - (c0.user + c0.system),
                recv_cpu=float(rcpu))


# ---------------------------------------------------------------------------------- the bench
class Bench:
    def __init__(self):
        self.lt_bin = os.path.abspath(env("LIKETORRENT",
                                          os.path.join(ROOT, "build/release/app/liketorrent")))
        self.size_mib = int(env("SIZE_MIB", "1024"))
        self.runs = int(env("RUNS", "3"))
        self.timeout = float(env("TIMEOUT", "300"))
        self.stall = float(env("STALL", "60"))
        self.sample_s = int(env("SAMPLE_MS", "100")) / 1000.0
        self.bench_data = os.path.abspath(env("BENCH_DATA", "/tmp/lt-bench-data"))
        self.leech_base = os.path.abspath(env("LEECH_BASE", tempfile.gettempdir()))
        self.verbose = env("OURS_VERBOSE", "0") == "1"
        self.seed_args = shlex.split(env("OUR_SEED_ARGS", ""))
        self.pairs = env("PAIRS", " ".join(ALL_PAIRS)).split()
        bad = [p for p in self.pairs if p not in ALL_PAIRS]
        if bad:
            die("unknown PAIRS %s (known: %s)" % (" ".join(bad), " ".join(ALL_PAIRS)))
        if self.size_mib <= 0 or self.runs <= 0 or self.timeout <= 0 or self.stall <= 0:
            die("SIZE_MIB, RUNS, TIMEOUT and STALL must be positive")
        if not os.access(self.lt_bin, os.X_OK):
            die("%s not found: build it first (make build), or set LIKETORRENT" % self.lt_bin)
        out = env("OUT_DIR", "")
        self.keep = bool(out)
        self.out = os.path.abspath(out) if out else tempfile.mkdtemp(prefix="lt-transfer-bench.")
        os.makedirs(self.out, exist_ok=True)
        self.results = []

    # -- availability of the other clients
    def check_tools(self):
        skip = {}
        if subprocess.call([PY, "-c", "import libtorrent"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) != 0:
            skip["lt-lt"] = "python3-libtorrent (for %s) not installed" % PY
        if not shutil.which("transmission-cli"):
            skip["tr-ours"] = "transmission-cli not installed"
        if not shutil.which("aria2c"):
            skip["ours-aria2"] = "aria2c not installed"
        for p, why in skip.items():
            if p in self.pairs:
                print("!!! SKIPPED %s: %s" % (LABELS[p], why))
        self.pairs = [p for p in self.pairs if p not in skip]

    def prepare(self):
        token = "xfer1g" if self.size_mib == 1024 else "xfer%dm" % self.size_mib
        gen = subprocess.run([PY, os.path.join(HERE, "gen_payloads.py"), self.bench_data, token],
                             capture_output=True, text=True)
        for line in (gen.stdout + gen.stderr).splitlines():
            print("# " + line)
        if gen.returncode != 0:
            die("gen_payloads.py failed", 1)
        name = "xfer_1g.bin" if self.size_mib == 1024 else "xfer_%dm.bin" % self.size_mib
        self.payload = os.path.join(self.bench_data, name)
        self.seed_dir = self.bench_data
        self.size = os.path.getsize(self.payload)
        # the torrent: our creator, 1 MiB pieces, announce to OUR tracker on a port kept for the
        # whole bench (the tracker itself is restarted fresh for every transfer)
        self.tport = free_port()
        self.torrent = os.path.join(self.out, name + ".torrent")
        subprocess.run([self.lt_bin, "create", self.payload, "-t",
                        "http://127.0.0.1:%d/announce" % self.tport, "-o", self.torrent,
                        "--piece-size", "1048576", "--no-date"], check=True,
                       stdout=subprocess.DEVNULL)
        self.ih, tname, tlen = torrent_facts(self.torrent)
        if tname != name or tlen != self.size:
            die("torrent says %s/%d, payload is %s/%d" % (tname, tlen, name, self.size), 1)

    def header(self):
        def ver(argv):
            try:
                return subprocess.run(argv, capture_output=True, text=True,
                                      timeout=10).stdout.strip().splitlines()[0]
            except Exception:
                return "?"
        cpu = "?"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        print("# transfer bench: %d MiB single file, 1 MiB pieces, runs=%d, pairs=[%s], "
              "timeout=%.0f s per leecher, stall=%.0f s" % (
                  self.size_mib, self.runs, " ".join(LABELS[p] for p in self.pairs),
                  self.timeout, self.stall))
        print("# liketorrent: %s (%s, built %s)" % (
            self.lt_bin, ver([self.lt_bin, "--version"]),
            time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(self.lt_bin)))))
        if "lt-lt" in self.pairs:
            print("# libtorrent: %s" % ver(
                [PY, "-c", "import libtorrent; print(libtorrent.__version__)"]))
        if "tr-ours" in self.pairs:
            print("# %s" % ver(["transmission-cli", "--version"]))
        if "ours-aria2" in self.pairs:
            print("# %s" % ver(["aria2c", "--version"]))
        print("# machine: %d CPUs, %s; leecher dirs under %s (%s); logs in %s%s" % (
            os.cpu_count(), cpu, self.leech_base,
            ver(["findmnt", "-no", "FSTYPE", "-T", self.leech_base]), self.out,
            "" if self.keep else " (removed at the end; set OUT_DIR to keep)"))
        print("# payload %s (%d bytes), torrent info-hash %s, tracker port %d"
              % (self.payload, self.size, self.ih.hex(), self.tport), flush=True)

    # -- command lines
    def ours(self, dd, *args):
        argv = [self.lt_bin, "--data-dir", dd]
        if self.verbose:
            argv.append("-v")
        return argv + list(args)

    def seeder(self, kind, work, port):
        log = os.path.join(work, "seeder.log")
        if kind == "ours":
            argv = self.ours(os.path.join(work, "seed-data"), "seed", self.torrent, "-d",
                             self.seed_dir, "--port", str(port), *self.seed_args)
            return Proc("our seed", argv, log, cwd=work)
        if kind == "lt":
            argv = [PY, os.path.join(HERE, "lt_peer.py"), "seed", self.torrent, self.seed_dir,
                    str(port), "--max-seconds", "%.0f" % (self.timeout + 600)]
            return Proc("libtorrent seed", argv, log, cwd=work)
        if kind == "tr":
            cfg = os.path.join(work, "transmission")
            os.makedirs(cfg)
            with open(os.path.join(cfg, "settings.json"), "w") as f:
                f.write("""{
  "dht-enabled": false, "lpd-enabled": false, "pex-enabled": false,
  "port-forwarding-enabled": false, "utp-enabled": false, "encryption": 0,
  "bind-address-ipv4": "127.0.0.1", "bind-address-ipv6": "::1",
  "peer-port": %d, "peer-port-random-on-start": false,
  "speed-limit-down-enabled": false, "speed-limit-up-enabled": false,
  "alt-speed-enabled": false, "blocklist-enabled": false, "rpc-enabled": false,
  "ratio-limit-enabled": false, "idle-seeding-limit-enabled": false,
  "cache-size-mb": 64, "message-level": 1
}
""" % port)
            argv = ["transmission-cli", "-g", cfg, "-w", self.seed_dir, "-p", str(port), "-D",
                    "-U", "-M", self.torrent]
            # transmission-cli ends cleanly on SIGINT only
            return Proc("transmission-cli seed", argv, log, cwd=work, stop_signal=signal.SIGINT)
        raise ValueError(kind)

    def leecher(self, kind, work, ldir, port):
        log = os.path.join(work, "leecher.log")
        if kind == "ours":
            argv = self.ours(os.path.join(work, "leech-data"), "download", self.torrent, "-d",
                             ldir, "--port", str(port))
            return Proc("our download", argv, log, cwd=work)
        if kind == "lt":
            argv = [PY, os.path.join(HERE, "lt_peer.py"), "download", self.torrent, ldir,
                    str(port), "--max-seconds", "%.0f" % (self.timeout + 30)]
            return Proc("libtorrent download", argv, log, cwd=work)
        if kind == "aria2":
            argv = ["aria2c", "--no-conf=true", "--dir=" + ldir, "--interface=127.0.0.1",
                    "--disable-ipv6=true", "--enable-dht=false", "--enable-dht6=false",
                    "--bt-enable-lpd=false", "--enable-peer-exchange=false",
                    "--listen-port=%d" % port, "--seed-time=0", "--file-allocation=none",
                    "--max-overall-download-limit=0", "--max-download-limit=0",
                    "--max-overall-upload-limit=0", "--max-upload-limit=0",
                    "--bt-save-metadata=false", "--auto-save-interval=0",
                    "--summary-interval=0", "--console-log-level=warn",
                    "--stop=%.0f" % (self.timeout + 30), self.torrent]
            return Proc("aria2c", argv, log, cwd=work)
        raise ValueError(kind)

    # -- one transfer
    def transfer(self, run, pair):
        seed_kind, leech_kind = pair.split("-")
        label = LABELS[pair]
        work = os.path.join(self.out, "run%d_%s" % (run, pair))
        os.makedirs(work)
        res = dict(run=run, pair=pair, ok=False)
        procs = []
        sampler = seed = None
        ldir = None
        bg = cpu_busy_pct()
        try:
            subprocess.run(["cat", self.payload], stdout=subprocess.DEVNULL, check=True)  # warm
            deadline = time.time() + 20
            while port_listening(self.tport):  # the previous tracker's port must be free
                if time.time() > deadline:
                    raise RuntimeError("tracker port %d still in use" % self.tport)
                time.sleep(0.1)
            tdir = os.path.join(work, "tracker")
            os.makedirs(tdir)
            tracker = Proc("tracker", [self.lt_bin, "--data-dir", tdir, "tracker", "--port",
                                       str(self.tport), "--bind", "127.0.0.1", "--db",
                                       os.path.join(tdir, "tracker.db"), "--interval", "10"],
                           os.path.join(work, "tracker.log"), cwd=work)
            procs.append(tracker)
            deadline = time.time() + 10
            while not port_listening(self.tport):
                if time.time() > deadline or not tracker.alive():
                    raise RuntimeError("our tracker did not start")
                time.sleep(0.05)

            sampler = Sampler(self.sample_s)
            seed = self.seeder(seed_kind, work, free_port())
            procs.append(seed)
            sampler.add("seeder", seed.pid)
            deadline = time.time() + 120
            while (scrape_complete(self.tport, self.ih) or 0) < 1:
                if not seed.alive():
                    raise RuntimeError("%s exited before it was ready (rc %s)"
                                       % (seed.name, seed.p.poll()))
                if time.time() > deadline:
                    raise RuntimeError("%s not in the tracker's scrape after 120 s" % seed.name)
                time.sleep(0.05)
            res["seed_ready_s"] = time.perf_counter() - seed.t0
            res["seed_listen"] = listen_addrs(seed.pid)

            ldir = tempfile.mkdtemp(prefix="lt-bench-leech.", dir=self.leech_base)
            lport = free_port()
            s0 = proc_stat(seed.pid)
            leech = self.leecher(leech_kind, work, ldir, lport)
            procs.append(leech)
            sampler.add("leecher", leech.pid)
            waiter = threading.Thread(target=leech.wait4, daemon=True)
            waiter.start()
            # bounded wait: TIMEOUT in all, and no progress (neither bytes on disk nor bytes
            # read, socket reads included) for STALL seconds ends it early
            last = progress_mark(leech.pid, ldir)
            last_t = time.perf_counter()
            why = None
            while waiter.is_alive():
                now = time.perf_counter()
                if now - leech.t0 >= self.timeout:
                    why = "TIMEOUT after %.0f s" % self.timeout
                    break
                waiter.join(min(1.0, max(0.01, self.timeout - (now - leech.t0))))
                mark = progress_mark(leech.pid, ldir)
                if mark[0] > last[0] or mark[1] > last[1] + (1 << 20):
                    last, last_t = mark, time.perf_counter()
                elif waiter.is_alive() and time.perf_counter() - last_t >= self.stall:
                    why = "STALLED: no progress for %.0f s (%.1f MB on disk)" % (
                        self.stall, last[0] / 1e6)
                    break
            if waiter.is_alive():
                print("#   %s: leecher %s, stopping it" % (label, why))
                os.kill(leech.pid, signal.SIGTERM)
                waiter.join(10)
                if waiter.is_alive():
                    os.kill(leech.pid, signal.SIGKILL)
                    waiter.join(5)
                res["timeout"] = why
            t1 = leech.t1 or time.perf_counter()
            s1 = proc_stat(seed.pid)
            sampler.sample()
            sampler.stop()
            res["wall"] = t1 - leech.t0
            res["rc"] = leech.rc
            res["leech_cpu"] = (leech.ru.ru_utime + leech.ru.ru_stime) if leech.ru else float("nan")
            res["leech_anon_mb"] = sampler.peak["leecher"]["anon_kb"] / 1024
            res["leech_hwm_mb"] = max(sampler.peak["leecher"]["hwm_kb"],
                                      leech.ru.ru_maxrss if leech.ru else 0) / 1024
            res["seed_cpu"] = ((s1["ticks"] - s0["ticks"]) / CLK) if s0 and s1 else float("nan")
            res["seed_anon_mb"] = sampler.peak["seeder"]["anon_kb"] / 1024
            res["seed_hwm_mb"] = (s1 or sampler.peak["seeder"])["hwm_kb"] / 1024
            out_file = os.path.join(ldir, os.path.basename(self.payload))
            res["ok"] = leech.rc == 0 and subprocess.call(
                ["cmp", "-s", out_file, self.payload]) == 0
            res["mbps"] = self.size / 1e6 / res["wall"]
        except Exception as e:  # report, then go on with the next transfer
            res["error"] = str(e)
        finally:
            if sampler:
                sampler.stop()
            for p in reversed(procs):
                rc = p.stop(10)
                if p is seed:
                    res["seed_stop_rc"] = rc
            if ldir:
                shutil.rmtree(ldir, ignore_errors=True)
        res["bg"] = bg
        self.report(res, work)
        subprocess.call(["sync"])  # the leecher's writes must not spill into the next transfer
        time.sleep(1)
        return res

    def report(self, r, work):
        label = LABELS[r["pair"]]
        if "wall" not in r:
            print("run=%d pair=%s FAILED: %s" % (r["run"], label, r.get("error", "?")), flush=True)
            for lg in ("tracker.log", "seeder.log", "leecher.log"):
                log_tail(os.path.join(work, lg), 15)
            return
        print("run=%d pair=%s wall_s=%.3f MB/s=%s verified=%s rc=%s leech_cpu_s=%.2f "
              "seed_cpu_s=%.2f leech_anon_MB=%.1f leech_hwm_MB=%.1f seed_anon_MB=%.1f "
              "seed_hwm_MB=%.1f seed_ready_s=%.2f seed_stop_rc=%s bg_busy_pct=%.0f"
              % (r["run"], label, r["wall"], ("%.1f" % r["mbps"]) if r["ok"] else "n/a",
                 r["ok"], r["rc"], r["leech_cpu"],
                 r["seed_cpu"], r["leech_anon_mb"], r["leech_hwm_mb"], r["seed_anon_mb"],
                 r["seed_hwm_mb"], r["seed_ready_s"], r.get("seed_stop_rc"), r["bg"]),
              flush=True)
        if r["run"] == 1:  # checked before the leecher starts (ss would disturb the timing)
            print("#   seeder listens on %s" % (",".join(r["seed_listen"]) or "?"))
        if r.get("seed_stop_rc") not in (0, None) and r["pair"].startswith("ours"):
            print("!!! our seed exited %s after SIGTERM (expected 0)" % r["seed_stop_rc"])
        if not r["ok"]:
            if "error" in r:
                print("#   error: %s" % r["error"])
            for lg in ("seeder.log", "leecher.log"):
                log_tail(os.path.join(work, lg), 20)
        for lg in ("seeder.log", "leecher.log"):  # adapters' METRIC lines
            try:
                with open(os.path.join(work, lg), errors="replace") as f:
                    for line in f:
                        if line.startswith("METRIC"):
                            print("#   %s: %s" % (lg[:-4], line.strip()))
            except OSError:
                pass
        sys.stdout.flush()

    def tcp(self, run, pair):
        bg = cpu_busy_pct()
        if pair == "tcp":
            t = tcp_loopback(self.size)
        else:  # tcpfile: the payload (warm) -> a new file under LEECH_BASE
            subprocess.run(["cat", self.payload], stdout=subprocess.DEVNULL, check=True)
            d = tempfile.mkdtemp(prefix="lt-bench-tcp.", dir=self.leech_base)
            out = os.path.join(d, os.path.basename(self.payload))
            try:
                t = tcp_loopback(self.size, self.payload, out)
                t["ok"] = t["ok"] and subprocess.call(["cmp", "-s", out, self.payload]) == 0
            finally:
                shutil.rmtree(d, ignore_errors=True)
        r = dict(run=run, pair=pair, ok=t["ok"], wall=t["wall"],
                 mbps=self.size / 1e6 / t["wall"], leech_cpu=t["recv_cpu"],
                 seed_cpu=t["send_cpu"], bg=bg)
        print("run=%d pair=%s wall_s=%.3f MB/s=%.1f verified=%s receiver_cpu_s=%.2f "
              "sender_cpu_s=%.2f bg_busy_pct=%.0f" % (run, LABELS[pair], r["wall"], r["mbps"],
                                                      r["ok"], r["leech_cpu"], r["seed_cpu"], bg),
              flush=True)
        subprocess.call(["sync"])
        time.sleep(1)
        return r

    def run(self):
        self.check_tools()
        self.prepare()
        self.header()
        refs = [p for p in self.pairs if p.startswith("tcp")]
        clients = [p for p in self.pairs if not p.startswith("tcp")]
        for run in range(1, self.runs + 1):
            # the references first, then the client pairs rotated by one each run, so no pair
            # always follows the same one (what the previous transfer leaves behind in page
            # cache and free memory differs)
            k = (run - 1) % len(clients) if clients else 0
            for pair in refs + clients[k:] + clients[:k]:
                self.results.append(self.tcp(run, pair) if pair.startswith("tcp")
                                    else self.transfer(run, pair))
        self.summary()

    # -- medians, ratios, table
    def summary(self):
        def vals(pair, key):
            return [r[key] for r in self.results
                    if r["pair"] == pair and r.get("ok") and key in r and r[key] == r[key]]

        def med(pair, key):
            v = vals(pair, key)
            return statistics.median(v) if v else None

        def f(x, fmt="%.2f"):
            return "-" if x is None else fmt % x

        def rng(pair, key, fmt):
            v = vals(pair, key)
            return "-" if not v else "%s [%s..%s]" % (fmt % statistics.median(v), fmt % min(v),
                                                      fmt % max(v))

        n_all = {p: sum(1 for r in self.results if r["pair"] == p) for p in self.pairs}
        n_ok = {p: len(vals(p, "wall")) for p in self.pairs}
        print()
        print("# summary: median [min..max] over the verified runs")
        for p in self.pairs:
            print("SUMMARY %-24s verified=%d/%d wall_s=%s MB/s=%s leech_cpu_s=%s seed_cpu_s=%s "
                  "leech_anon_MB=%s leech_hwm_MB=%s seed_anon_MB=%s seed_hwm_MB=%s" % (
                      LABELS[p], n_ok[p], n_all[p], rng(p, "wall", "%.3f"),
                      rng(p, "mbps", "%.1f"), f(med(p, "leech_cpu")), f(med(p, "seed_cpu")),
                      f(med(p, "leech_anon_mb"), "%.1f"), f(med(p, "leech_hwm_mb"), "%.1f"),
                      f(med(p, "seed_anon_mb"), "%.1f"), f(med(p, "seed_hwm_mb"), "%.1f")))

        def ratio(a, b):
            return None if a is None or not b else a / b

        ours, lt, tcp = med("ours-ours", "mbps"), med("lt-lt", "mbps"), med("tcp", "mbps")
        targets = []
        sp = ratio(ours, lt)
        targets.append(("speed ours->ours / libtorrent->libtorrent", sp, "%.2fx", ">= 1.5x",
                        None if sp is None else sp >= 1.5))
        tc = ratio(tcp, ours)
        targets.append(("raw loopback TCP / ours->ours (how many times slower than the wire)",
                        tc, "%.2fx", "<= 2x", None if tc is None else tc <= 2.0))
        an = ratio(med("ours-ours", "leech_anon_mb"), med("lt-lt", "leech_anon_mb"))
        targets.append(("leecher peak RssAnon ours / libtorrent", an, "%.2f", "< 1",
                        None if an is None else an < 1.0))
        print("# ratios and targets (medians of the same run)")
        for name, v, fmt, want, ok in targets:
            print("RATIO %s = %s (target %s: %s)" % (name, f(v, fmt), want,
                                                     "n/a" if ok is None else
                                                     "MET" if ok else "NOT MET"))
        tf = ratio(med("tcpfile", "mbps"), ours)
        if tf is not None:
            print("RATIO tcp_to_file (wire + write, no hashing) / ours->ours = %.2fx "
                  "(no target)" % tf)
        for p in ("tr-ours", "ours-aria2"):
            if med(p, "mbps") is not None and lt:
                print("RATIO speed %s / libtorrent->libtorrent = %.2fx"
                      % (LABELS[p], med(p, "mbps") / lt))

        print()
        print("Transfer benchmark: %s single file, 1 MiB pieces, 127.0.0.1 through our tracker, "
              "warm seeder cache, fresh leecher dir, median of %d interleaved runs (verified "
              "runs only; %d CPUs)." % ("1 GiB" if self.size_mib == 1024 else
                                        "%d MiB" % self.size_mib, self.runs, os.cpu_count()))
        print()
        print("| seeder -> leecher | verified | wall s | MB/s | leecher CPU s | seeder CPU s "
              "| leecher RssAnon MB | leecher VmHWM MB | seeder RssAnon MB | seeder VmHWM MB |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for p in self.pairs:
            if p.startswith("tcp"):
                what = ("raw TCP (1 stream, memory to memory)" if p == "tcp" else
                        "TCP sendfile -> recv -> write to a new file (no hashing)")
                print("| %s | %d/%d | %s | %s | %s (recv) | %s (send) | | | | |" % (
                    what, n_ok[p], n_all[p], f(med(p, "wall"), "%.3f"), f(med(p, "mbps"), "%.0f"),
                    f(med(p, "leech_cpu")), f(med(p, "seed_cpu"))))
                continue
            print("| %s | %d/%d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                LABELS[p], n_ok[p], n_all[p], f(med(p, "wall"), "%.3f"),
                f(med(p, "mbps"), "%.0f"), f(med(p, "leech_cpu")), f(med(p, "seed_cpu")),
                f(med(p, "leech_anon_mb"), "%.1f"), f(med(p, "leech_hwm_mb"), "%.1f"),
                f(med(p, "seed_anon_mb"), "%.1f"), f(med(p, "seed_hwm_mb"), "%.1f")))
        print()
        print("| target | value | wanted | |")
        print("|---|---:|---:|---|")
        for name, v, fmt, want, ok in targets:
            verdict = "n/a" if ok is None else "met" if ok else "**not met**"
            print("| %s | %s | %s | %s |" % (name, f(v, fmt), want, verdict))
        sys.stdout.flush()

    def cleanup(self):
        if not self.keep:
            shutil.rmtree(self.out, ignore_errors=True)


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    b = Bench()

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    try:
        b.run()
    except KeyboardInterrupt:
        print("transfer_bench: interrupted", file=sys.stderr)
        return 130
    finally:
        b.cleanup()
    return 0 if b.results and all(r.get("ok") for r in b.results) else 1


if __name__ == "__main__":
    sys.exit(main())
