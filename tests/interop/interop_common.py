"""What the interop scripts (test_torrent_interop.py, test_tracker_interop.py,
test_transfer_interop.py) share:

  - the liketorrent binary and the child environment (module state, set by main() per case);
  - small assertion helpers (check, eq), the skip for a missing tool (need), the runner main()
    with its output lines and exit codes;
  - for the scripts that run live peers: log, free_port, wait_for, Procs (every child started
    with its output in the case's temp dir, stopped by its PID), our tracker (Tracker, with
    scrape), a python3-libtorrent peer (start_lt_peer), aria2c and transmission-cli command
    lines (aria2c_argv, start_transmission_cli), random payloads (write_payload,
    payload_mismatch) and `liketorrent create` (create_torrent).

Standard library only (libtorrent is imported if present; `lt` is None without it). Each script
imports this module from its own directory:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import interop_common as common
"""

import hashlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

try:
    import libtorrent as lt
except ImportError:  # reported per case as a skip
    lt = None

SKIP = 77

BIN = None  # the liketorrent binary (argv[1]), set by main()
ENV = None  # environment for every child process, set by main() for each case


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def eq(got, expected, what):
    if got != expected:
        raise AssertionError("%s: expected %r, got %r" % (what, expected, got))


def need(*tools):
    for tool in tools:
        if tool == "libtorrent":
            if lt is None:
                raise Skip("python3-libtorrent (import libtorrent with %s)" % sys.executable)
        elif shutil.which(tool) is None:
            raise Skip(tool)


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def free_port():
    """A TCP port that is free on 127.0.0.1 right now (bind to 0, read it, close)."""
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def wait_for(what, pred, deadline_s, interval=0.2, procs=None):
    """Polls pred() until it returns a true value (returned); AssertionError after deadline_s.
    procs: Procs whose unexpected exit fails the wait at once."""
    end = time.monotonic() + deadline_s
    while True:
        v = pred()
        if v:
            return v
        if procs is not None:
            procs.check_alive()
        if time.monotonic() > end:
            raise AssertionError("timed out after %.0f s waiting for %s" % (deadline_s, what))
        time.sleep(interval)


# --------------------------------------------------------------------------------------------
# processes: every child is started here and stopped by its PID


class Procs:
    """The children of one case. Each runs in its own session with stdin closed and stdout +
    stderr in TMP/NAME.log; stop_all() (called by main() after every case) stops them all by
    PID, dump_logs() (called by main() after a failure) prints the last `tail` lines of every
    log."""

    def __init__(self, tmp, tail=40):
        self.tmp = tmp
        self.tail = tail
        self.items = []  # [name, Popen, log path, must_stay_alive]

    def start(self, name, argv, cwd=None, must_stay_alive=True):
        log_path = os.path.join(self.tmp, name + ".log")
        logf = open(log_path, "ab")
        p = subprocess.Popen([str(a) for a in argv], cwd=cwd or self.tmp, env=ENV,
                             stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                             start_new_session=True)
        logf.close()
        self.items.append([name, p, log_path, must_stay_alive])
        log("started %s pid=%d: %s" % (name, p.pid, " ".join(str(a) for a in argv)))
        return p

    def log_text(self, name):
        for n, _, path, _ in self.items:
            if n == name:
                with open(path, "rb") as f:
                    return f.read().decode("utf-8", "replace")
        return ""

    def expect_exit(self, p):
        for it in self.items:
            if it[1] is p:
                it[3] = False

    def check_alive(self):
        for name, p, _, must in self.items:
            if must and p.poll() is not None:
                raise AssertionError("%s (pid %d) exited early with status %s" % (
                    name, p.pid, p.returncode))

    @staticmethod
    def stop(p, grace=10.0, sig=signal.SIGTERM):
        """Sends sig to p (by PID), waits up to grace seconds, then SIGKILL. Returns the exit
        status (negative: killed by that signal)."""
        if p.poll() is not None:
            return p.returncode
        try:
            os.kill(p.pid, sig)
        except ProcessLookupError:
            return p.wait()
        try:
            return p.wait(grace)
        except subprocess.TimeoutExpired:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return p.wait(5)

    def stop_all(self):
        for name, p, _, _ in reversed(self.items):
            try:
                self.stop(p, grace=5.0)
            except Exception as e:  # keep stopping the others
                log("could not stop %s pid=%d: %s" % (name, p.pid, e))

    def dump_logs(self):
        tail = self.tail
        for name, _, path, _ in self.items:
            try:
                with open(path, "rb") as f:
                    lines = f.read().decode("utf-8", "replace").splitlines()
            except OSError:
                continue
            print("----- %s (last %d of %d lines) -----" % (name, min(tail, len(lines)),
                                                             len(lines)))
            print("\n".join(lines[-tail:]))
        sys.stdout.flush()


# --------------------------------------------------------------------------------------------
# bencode (decode only: scrape answers, info-hashes)


def _bdec(data, i):
    """Decodes the bencoded value at data[i:]; returns (value, index after it)."""
    c = data[i:i + 1]
    if c == b"i":
        j = data.index(b"e", i)
        return int(data[i + 1:j]), j + 1
    if c == b"l":
        out, i = [], i + 1
        while data[i:i + 1] != b"e":
            v, i = _bdec(data, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        out, i = {}, i + 1
        while data[i:i + 1] != b"e":
            k, i = _bdec(data, i)
            v, i = _bdec(data, i)
            out[k] = v
        return out, i + 1
    if c.isdigit():
        j = data.index(b":", i)
        n = int(data[i:j])
        return data[j + 1:j + 1 + n], j + 1 + n
    raise ValueError("bad bencode at %d: %r" % (i, data[i:i + 20]))


def bdecode(data):
    v, end = _bdec(data, 0)
    if end != len(data):
        raise ValueError("trailing bytes after bencoded value")
    return v


def info_hash(torrent_path):
    """The v1 info-hash (40 hex) of a .torrent: SHA-1 of its raw bencoded `info` value."""
    with open(torrent_path, "rb") as f:
        data = f.read()
    check(data[:1] == b"d", "%s is not a bencoded dict" % torrent_path)
    i = 1
    while data[i:i + 1] != b"e":
        key, i = _bdec(data, i)
        start = i
        _, i = _bdec(data, i)
        if key == b"info":
            return hashlib.sha1(data[start:i]).hexdigest()
    raise AssertionError("%s has no info dict" % torrent_path)


# --------------------------------------------------------------------------------------------
# our tracker


class Tracker:
    """`liketorrent tracker` on a free port of 127.0.0.1 (temp --db and --data-dir under
    TMP/tracker, --interval 10), started through procs; ready once it prints "Tracker listening
    on port P". url is its announce URL."""

    def __init__(self, procs, tmp):
        self.dir = os.path.join(tmp, "tracker")
        os.makedirs(self.dir)
        self.procs = procs
        # `--port 0` is refused by the CLI: take a free port (and retry if someone grabbed it
        # between our probe and the tracker's bind). --interval 10 (the minimum): clients
        # re-announce soon if they missed a peer.
        for attempt in range(3):
            name = "tracker" if attempt == 0 else "tracker-%d" % attempt
            port = free_port()
            self.proc = procs.start(name, [
                BIN, "--data-dir", self.dir, "tracker", "--port", port,
                "--bind", "127.0.0.1", "--db", os.path.join(self.dir, "tracker.db"),
                "--interval", 10])
            end = time.monotonic() + 20
            while time.monotonic() < end and self.proc.poll() is None:
                m = re.search(r"Tracker listening on port (\d+)", procs.log_text(name))
                if m:
                    break
                time.sleep(0.05)
            if self.proc.poll() is None and m:
                eq(int(m.group(1)), port, "the port in the tracker's 'listening' line")
                break
            procs.expect_exit(self.proc)
            procs.stop(self.proc)
            if "cannot listen" not in procs.log_text(name) or attempt == 2:
                raise AssertionError("the tracker did not start:\n" + procs.log_text(name))
        self.port = port
        self.url = "http://127.0.0.1:%d/announce" % self.port
        log("tracker on %s" % self.url)

    def scrape(self, ih_hex):
        """Our scrape entry for the info-hash (40 hex) as a dict of its integer fields."""
        q = "".join("%%%s" % ih_hex[i:i + 2] for i in range(0, 40, 2))
        url = "http://127.0.0.1:%d/scrape?info_hash=%s" % (self.port, q)
        with urllib.request.urlopen(url, timeout=5) as r:
            body = r.read()
        d = bdecode(body)
        check(isinstance(d, dict), "scrape answer is not a dict: %r" % body)
        check(b"failure reason" not in d, "scrape failed: %r" % d.get(b"failure reason"))
        files = d.get(b"files", {})
        entry = files.get(bytes.fromhex(ih_hex))
        check(entry is not None, "scrape has no entry for %s: %r" % (ih_hex, body))
        return {k.decode(): v for k, v in entry.items() if isinstance(v, int)}

    def wait_scrape(self, ih, what, pred, deadline_s):
        """Polls the scrape until pred(entry) holds; returns that entry."""
        last = {}

        def ok():
            last.clear()
            last.update(self.scrape(ih))
            return pred(last)

        try:
            wait_for(what, ok, deadline_s, 0.25, self.procs)
        except AssertionError as e:
            raise AssertionError("%s; last scrape: %r" % (e, last))
        log("scrape %s: %r" % (what, last))
        return dict(last)


# --------------------------------------------------------------------------------------------
# the libtorrent peer (run as a subprocess with this interpreter)

LT_PEER = r'''
import signal, sys, time
import libtorrent as lt

mode, torrent, save, port, reannounce, max_s = sys.argv[1:7]
port, reannounce, max_s = int(port), float(reannounce), float(max_s)
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
signal.signal(signal.SIGINT, lambda *a: stop.append(1))
t0 = time.monotonic()

def say(msg):
    print("[lt %7.2f] %s" % (time.monotonic() - t0, msg), flush=True)

cat = lt.alert.category_t
ses = lt.session({
    "listen_interfaces": "127.0.0.1:%d" % port,
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "enable_outgoing_utp": False, "enable_incoming_utp": False,   # TCP only: deterministic
    "allow_multiple_connections_per_ip": True,  # every peer is 127.0.0.1
    "upload_rate_limit": 0, "download_rate_limit": 0,
    "alert_mask": cat.error_notification | cat.status_notification | cat.tracker_notification,
})
atp = lt.add_torrent_params()
atp.ti = lt.torrent_info(torrent)
atp.save_path = save
h = ses.add_torrent(atp)
say("added %s mode=%s port=%d lt=%s" % (atp.ti.name(), mode, port, lt.__version__))
ready = False
next_re = next_status = 0.0
seen = set()
while not stop and time.monotonic() - t0 < max_s:
    ses.wait_for_alert(100)
    for a in ses.pop_alerts():
        if isinstance(a, (lt.tracker_reply_alert, lt.tracker_error_alert,
                          lt.tracker_warning_alert, lt.torrent_error_alert,
                          lt.file_error_alert, lt.listen_failed_alert,
                          lt.listen_succeeded_alert, lt.torrent_finished_alert)):
            say(a.message())
    st = h.status()
    now = time.monotonic()
    if not ready and (st.is_seeding if mode == "seed" else st.is_finished):
        ready = True
        say("READY seeding" if mode == "seed" else "FINISHED download complete")
    if ready and reannounce > 0 and now >= next_re:
        h.force_reannounce(0, -1, lt.reannounce_flags_t.ignore_min_interval)
        next_re = now + reannounce
    for p in h.get_peer_info():
        key = "%s:%d" % (p.ip[0], p.ip[1])
        if key not in seen:
            seen.add(key)
            say("peer %s client=%r" % (key, p.client))
    if now >= next_status:
        next_status = now + 2
        say("state=%s progress=%.3f peers=%d up=%d down=%d" % (
            st.state, st.progress, st.num_peers, st.total_payload_upload,
            st.total_payload_download))
st = h.status()
say("exit progress=%.3f uploaded=%d downloaded=%d" % (
    st.progress, st.total_payload_upload, st.total_payload_download))
ses.pause()
'''


def start_lt_peer(procs, tmp, name, mode, torrent, save, port, reannounce=0.0, max_s=200):
    """A python3-libtorrent session (TCP only, listening on 127.0.0.1:port, DHT/LSD/UPnP/NAT-PMP
    off, several connections per IP allowed) with the torrent saved in `save`, as a child named
    `name`. mode "seed": checks the data and prints "READY seeding" once seeding; re-announces
    every `reannounce` seconds from then on (ignoring the min interval) if > 0. mode "leech":
    prints "FINISHED download complete" once every piece is verified, and keeps seeding. Stops on
    SIGTERM/SIGINT or after max_s seconds."""
    script = os.path.join(tmp, "lt_peer.py")
    if not os.path.exists(script):
        with open(script, "w") as f:
            f.write(LT_PEER)
    return procs.start(name, [sys.executable, script, mode, torrent, save, port, reannounce,
                              max_s])


# --------------------------------------------------------------------------------------------
# aria2c and transmission-cli


def aria2c_argv(torrent, save, port, deadline_s, seed_time=None, seed=False):
    """aria2c on 127.0.0.1 only (--interface), no DHT/LPD/PEX/IPv6, listening on port, hard stop
    after deadline_s. seed=False: download into `save` and exit after seeding seed_time minutes
    (fractions allowed; 0 = exit at once, but then aria2c 1.36 never announces `completed`).
    seed=True: check the existing data in `save` (-V) and seed until stopped (no ratio limit,
    seed_time minutes, default 24 h)."""
    argv = ["aria2c", "--no-conf=true", "--dir=" + save, "--bt-enable-lpd=false",
            "--enable-dht=false", "--enable-dht6=false", "--enable-peer-exchange=false",
            "--listen-port=%d" % port, "--interface=127.0.0.1", "--disable-ipv6=true",
            "--bt-save-metadata=false", "--file-allocation=none", "--auto-save-interval=0",
            "--summary-interval=0", "--console-log-level=notice", "--stop=%d" % deadline_s]
    if seed:
        argv += ["-V", "--seed-ratio=0.0",
                 "--seed-time=%s" % (1440 if seed_time is None else seed_time)]
    else:
        argv += ["--seed-time=%s" % (0 if seed_time is None else seed_time)]
    return argv + [torrent]


def start_transmission_cli(procs, tmp, name, torrent, save):
    """transmission-cli as a child named `name` with the torrent's data in `save` (downloaded
    there, or checked and seeded if already there), its own config dir TMP/NAME-config, peer port
    free on 127.0.0.1, DHT/LPD/PEX/uTP/port mapping off, no speed or ratio limits. Returns
    (Popen, peer port). It never exits by itself, and handles only SIGINT (SIGTERM kills it).

    libtransmission 3.00 does not dial 127.0.0.0/8 peers ("martian") but accepts incoming
    connections from them: as a leecher it only gets data from seeders that dial it."""
    cfg = os.path.join(tmp, name + "-config")
    os.makedirs(cfg)
    os.makedirs(save, exist_ok=True)
    port = free_port()
    with open(os.path.join(cfg, "settings.json"), "w") as f:
        f.write("""{
  "dht-enabled": false, "lpd-enabled": false, "pex-enabled": false,
  "port-forwarding-enabled": false, "utp-enabled": false,
  "bind-address-ipv4": "127.0.0.1", "bind-address-ipv6": "::1",
  "peer-port": %d, "peer-port-random-on-start": false,
  "speed-limit-down-enabled": false, "speed-limit-up-enabled": false,
  "alt-speed-enabled": false, "blocklist-enabled": false, "rpc-enabled": false,
  "ratio-limit-enabled": false, "idle-seeding-limit-enabled": false,
  "rename-partial-files": true, "message-level": 2
}
""" % port)
    p = procs.start(name, ["transmission-cli", "-g", cfg, "-w", save, "-p", port, "-D", "-U",
                           "-M", torrent])
    return p, port


# --------------------------------------------------------------------------------------------
# payloads and torrents


def write_payload(root, files, rnd=None):
    """Writes files = [(relative '/'-path, size), ...] of random bytes under root."""
    rnd = rnd or random.Random()
    for rel, size in files:
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(rnd.randbytes(size))


def _sha1_file(path):
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.digest()


def payload_mismatch(files, src_root, dst_root, exact=False):
    """None when every file of files = [(rel, size), ...] exists under dst_root with the same
    bytes as under src_root, else the first difference (text). exact: dst_root must also hold
    nothing else (no stray files or temp names)."""
    for rel, size in files:
        d = os.path.join(dst_root, rel)
        try:
            got = os.path.getsize(d)
        except OSError:
            return "%s is missing" % rel
        if got != size:
            return "%s has %d bytes, not %d" % (rel, got, size)
        if _sha1_file(os.path.join(src_root, rel)) != _sha1_file(d):
            return "%s differs from the source" % rel
    if exact:
        want = {rel for rel, _ in files}
        for dirpath, _, names in os.walk(dst_root):
            for n in names:
                rel = os.path.relpath(os.path.join(dirpath, n), dst_root).replace(os.sep, "/")
                if rel not in want:
                    return "unexpected file %s" % rel
    return None


def create_torrent(paths, announce, out, piece_size):
    """`liketorrent create PATHS -t announce -o out --piece-size piece_size`; returns the v1
    info-hash (40 hex, computed here from the file)."""
    p = subprocess.run([BIN, "create"] + list(paths) + ["-t", announce, "-o", out,
                                                        "--piece-size", str(piece_size)],
                       env=ENV, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("liketorrent create failed (%d): %s" % (
            p.returncode, p.stderr.decode("utf-8", "replace")))
    ih = info_hash(out)
    log("torrent %s info_hash=%s (%s)" % (
        out, ih, " ".join(p.stdout.decode("utf-8", "replace").split())))
    return ih


# --------------------------------------------------------------------------------------------
# the runner


def main(argv, doc, cases, tmp_prefix, summary_label, own_home=False, make_procs=None):
    """Runs the cases named in argv[2:] (all of them without names), each in its own temporary
    directory (prefix tmp_prefix + case name + "-", removed afterwards unless the case failed and
    LT_INTEROP_KEEP_TMP is set in the environment); returns the exit status: 0 all passed, 1 a
    case failed, SKIP (77) a needed tool is missing, 2 bad usage.

    own_home: the children also get HOME=tmp and XDG_CACHE_HOME under it.
    make_procs: if given (e.g. Procs), make_procs(tmp) is passed to each case as its second
    argument; it must have stop_all() (called after every case) and dump_logs() (called after a
    failure), and a failure also reports the case's time."""
    global BIN, ENV
    if len(argv) >= 2 and argv[1] == "--list":
        print("\n".join(cases))
        return 0
    if len(argv) < 2:
        print(doc, file=sys.stderr)
        return 2
    BIN = os.path.abspath(argv[1])
    if not os.access(BIN, os.X_OK):
        print("not an executable: %s" % BIN, file=sys.stderr)
        return 2
    names = argv[2:] or list(cases)
    unknown = [n for n in names if n not in cases]
    if unknown:
        print("unknown case(s): %s (have: %s)" % (" ".join(unknown), " ".join(cases)),
              file=sys.stderr)
        return 2

    failed, skipped, passed = [], [], []
    for name in names:
        tmp = tempfile.mkdtemp(prefix="%s%s-" % (tmp_prefix, name))
        ENV = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8",
                   XDG_DATA_HOME=os.path.join(tmp, "xdg-data"),
                   XDG_CONFIG_HOME=os.path.join(tmp, "xdg-config"))
        if own_home:
            ENV.update(HOME=tmp, XDG_CACHE_HOME=os.path.join(tmp, "xdg-cache"))
        procs = make_procs(tmp) if make_procs else None
        t0 = time.monotonic()
        keep = False
        try:
            if procs is None:
                cases[name](tmp)
            else:
                cases[name](tmp, procs)
            passed.append(name)
            print("PASS %s (%.1f s)" % (name, time.monotonic() - t0))
        except Skip as e:
            skipped.append(name)
            print("!!! SKIPPED: %s not installed (case %s)" % (e, name))
        except Exception:
            failed.append(name)
            keep = bool(os.environ.get("LT_INTEROP_KEEP_TMP"))
            if procs is None:
                print("FAIL %s\n%s" % (name, traceback.format_exc()))
            else:
                print("FAIL %s (%.1f s)\n%s" % (name, time.monotonic() - t0,
                                                traceback.format_exc()))
                procs.stop_all()
                procs.dump_logs()
        finally:
            if procs is not None:
                procs.stop_all()
            if keep:
                print("kept the case's files (LT_INTEROP_KEEP_TMP): %s" % tmp)
            else:
                shutil.rmtree(tmp, ignore_errors=True)
        sys.stdout.flush()
    print("%s: %d passed, %d failed%s, %d skipped%s" % (
        summary_label, len(passed), len(failed), (" (" + " ".join(failed) + ")") if failed else "",
        len(skipped), (" (" + " ".join(skipped) + ")") if skipped else ""))
    if failed:
        return 1
    if skipped:
        return SKIP
    return 0
