#!/usr/bin/python3
"""Loopback swarms of our own client: `liketorrent tracker` + `seed` + `download` processes (and
a hostile peer written here) on 127.0.0.1.

usage: test_swarm.py LIKETORRENT [CASE ...]      (no CASE: run them all)
       test_swarm.py --list

Cases:
  one_seed_three_leechers  our tracker, one `seed` and three `download --seed` leechers of a
                           ~8 MB multi-file torrent (odd file sizes, an empty file, nested dirs,
                           64 KiB pieces, so blocks and pieces straddle files): every leecher
                           ends with byte-identical files; then the scrape shows complete == 4,
                           incomplete == 0, downloaded == 3; everything stops with exit 0.
  corrupt_peer_banned      an "evil peer" (plain sockets, BEP 3: right info-hash, bitfield of
                           all pieces, unchoke, random bytes for every request) announced as a
                           seeder is the only source at first; our leecher must ban it after
                           hash failures ("banned 127.0.0.1:PORT: reason" on stderr,
                           connection closed, no reconnect), then complete from a real seeder
                           started afterwards.
  resume_from_database     `download --db DB --only BIGFILE`, then `download --db DB` into the same
                           folder: the second run says it resumed the first run's pieces without
                           a recheck and completes; after a file's mtime changes, a third run
                           checks the files instead of believing the database.
  bad_input                `download`/`seed` refusals: exit codes 2 (or 1) with one line on
                           stderr and nothing created in -d.
  sigterm_is_clean         an unfinished leecher gets SIGTERM: exit 1 within 10 s with one
                           "interrupted" line, and the tracker saw its `stopped`.
  partial_corrupt_peer     the evil peer answers only the first block of each piece; a real
                           seeder then finishes those pieces. The leecher must complete and
                           must not ban the honest seeder for the evil peer's blocks (smart
                           ban: the culprit is found by comparing blocks once a piece passes).

Everything runs on 127.0.0.1 with free ports, a temp dir per case and its own --data-dir per
process. Every child is stopped by PID in a finally block (SIGTERM, then SIGKILL); on a failure
the tail of every child's stdout/stderr is printed. Standard library only.
Exit status: 0 all passed, 1 a case failed, 77 all run cases skipped, 2 bad usage.
Set LT_SWARM_KEEP=1 to keep each case's work dir (the children's -v logs) for a post-mortem.
"""

import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from integration_common import (  # noqa: E402
    Fail, Skip, bdecode, check, eq, free_port, log, q)

try:
    import ctypes
    _LIBC = ctypes.CDLL(None, use_errno=True)
except (ImportError, OSError):
    _LIBC = None

BINARY = None
SKIP = 77

STOP_TIMEOUT = 10.0        # seed/tracker/download must exit within 10 s of SIGTERM
START_TIMEOUT = 20.0       # tracker "listening" line
ANNOUNCE_DEADLINE = 20.0   # a started seeder/leecher shows in the scrape
TRANSFER_DEADLINE = 90.0   # a leecher completes (seconds for ~8 MB on loopback)
BAN_DEADLINE = 45.0        # the leecher bans the evil peer
# Worst cases stay under the ctest TIMEOUT of 240 s: one_seed_three_leechers about
# 20 + 20 + 90 + 20 + 5 x 10 + 5 s, corrupt_peer_banned about 20 + 20 + 45 + 10 + 5 + 90 + 10 +
# 2 x 10 s. Children get SIGTERM if this script dies (PR_SET_PDEATHSIG on Linux).
CLI_TIMEOUT = 60.0         # a refusal or a data check that should be quick


# ---------------------------------------------------------------------------------------------
# Waiting


def wait_for(what, pred, deadline_s, interval=0.2, procs=()):
    """Polls pred() until it returns a true value (returned). Fails after deadline_s, or as soon
    as one of procs (Proc objects that must stay alive) has exited."""
    end = time.monotonic() + deadline_s
    while True:
        value = pred()
        if value:
            return value
        for p in procs:
            if not p.alive():
                raise Fail(f"{p.tag} exited (rc={p.rc()}) while waiting for {what}")
        if time.monotonic() >= end:
            raise Fail(f"timed out after {deadline_s:.0f} s waiting for {what}")
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# Child processes


def _die_with_parent():
    # Runs in the child between fork and exec: SIGTERM when this script goes away (a ctest
    # timeout kills the script, not its children). PR_SET_PDEATHSIG is 1.
    if _LIBC is not None and sys.platform.startswith("linux"):
        _LIBC.prctl(1, signal.SIGTERM, 0, 0, 0)


class Proc:
    """One liketorrent child; stdout and stderr go to files in the case's work dir."""

    def __init__(self, procs, tag, args, launcher=(), env=None):
        """launcher: a command that runs the binary (e.g. xvfb-run and its options); env: the
        child's environment (default procs.env)."""
        self.tag = tag
        self.args = list(launcher) + [BINARY] + list(args)
        self.out_path = os.path.join(procs.work, f"{tag}.stdout")
        self.err_path = os.path.join(procs.work, f"{tag}.stderr")
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(self.args, stdout=self._out, stderr=self._err,
                                     stdin=subprocess.DEVNULL,
                                     env=procs.env if env is None else env,
                                     preexec_fn=_die_with_parent)
        self.pid = self.proc.pid
        self.started = time.monotonic()
        procs.all.append(self)
        log(f"started {tag} (pid {self.pid}): {' '.join(self.args[1:])}")

    def alive(self):
        return self.proc.poll() is None

    def rc(self):
        return self.proc.poll()

    def stdout(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_exit(self, timeout):
        """Waits for the process to exit by itself; returns its exit code. Fails on timeout."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Fail(f"{self.tag} did not exit within {timeout:.0f} s")

    def terminate(self, timeout=STOP_TIMEOUT, sig=signal.SIGTERM):
        """Sends sig to this PID; returns (exit code, seconds taken). Fails if still running
        after timeout (then it is killed)."""
        check(self.alive(), f"{self.tag} had already exited with rc={self.rc()} before {sig.name}")
        t0 = time.monotonic()
        os.kill(self.pid, sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Fail(f"{self.tag} did not exit within {timeout:.0f} s of {sig.name}")
        took = time.monotonic() - t0
        log(f"{self.tag} stopped by {sig.name}: rc={rc} in {took:.2f} s")
        return rc, took

    def stop_ok(self):
        """SIGTERM; asserts exit 0 within 10 s."""
        rc, took = self.terminate()
        eq(rc, 0, f"{self.tag} exit code after SIGTERM (stderr tail: "
                  f"{self.stderr().strip()[-400:]!r})")
        return took

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def cleanup(self):
        """Stops by PID (SIGTERM, then SIGKILL) if still running; closes the log files."""
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.proc.wait(timeout=STOP_TIMEOUT)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                self.kill()
        for f in (self._out, self._err):
            if not f.closed:
                f.close()


class Procs:
    """What one case started: children, evil peers and held sockets; cleaned up in finally."""

    def __init__(self, work):
        self.work = work
        self.all = []
        self.closers = []
        self.reports = []  # callables returning text for the failure report (the evil peer)
        self.env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8",
                        XDG_DATA_HOME=os.path.join(work, "xdg-data"),
                        XDG_CONFIG_HOME=os.path.join(work, "xdg-config"),
                        XDG_DOWNLOAD_DIR=os.path.join(work, "xdg-downloads"))

    def stop_all(self):
        for closer in self.closers:
            try:
                closer()
            except Exception as e:  # noqa: BLE001 - cleanup must go on
                log(f"(cleanup: {e!r})")
        self.closers = []
        for p in self.all:
            p.cleanup()

    def dump_logs(self, limit=6000):
        for report in self.reports:
            print(report(), flush=True)
        if not self.all:
            return
        for p in self.all:
            for name, path in (("stdout", p.out_path), ("stderr", p.err_path)):
                try:
                    with open(path, "rb") as f:
                        text = f.read().decode(errors="replace")
                except OSError:
                    continue
                if not text.strip():
                    continue
                cut = "" if len(text) <= limit else f" (last {limit} of {len(text)} chars)"
                print(f"----- {p.tag} (pid {p.pid}, rc={p.rc()}) {name}{cut} -----")
                print(text[-limit:].rstrip())
        print("----- end of child logs -----", flush=True)


def run_cli(procs, args, timeout=CLI_TIMEOUT):
    """Runs a short liketorrent command; returns (rc, stdout, stderr, seconds)."""
    t0 = time.monotonic()
    try:
        r = subprocess.run([BINARY] + list(args), capture_output=True, timeout=timeout,
                           env=procs.env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise Fail(f"`liketorrent {' '.join(args)}` did not finish within {timeout:.0f} s")
    return (r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace"),
            time.monotonic() - t0)


class Tracker:
    def __init__(self, procs, tag="tracker"):
        self.port = free_port()
        self.procs = procs
        self.tag = tag
        self.proc = None

    def start(self):
        work = self.procs.work
        self.proc = Proc(self.procs, self.tag, [
            "--data-dir", os.path.join(work, f"{self.tag}-data"), "tracker",
            "--port", str(self.port), "--bind", "127.0.0.1",
            "--db", os.path.join(work, f"{self.tag}.db"), "--interval", "10"])
        wait_for("the tracker's listening line",
                 lambda: f"Tracker listening on port {self.port}" in self.proc.stdout(),
                 START_TIMEOUT, procs=[self.proc])
        return self

    @property
    def announce_url(self):
        return f"http://127.0.0.1:{self.port}/announce"

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def scrape(self, info_hash):
        """(complete, incomplete, downloaded) for one info-hash; zeros if the tracker does not
        know it."""
        status, body = self.get("/scrape?info_hash=" + q(info_hash))
        eq(status, 200, "scrape HTTP status")
        d = bdecode(body)
        check(b"failure reason" not in d, f"scrape failed: {d!r}")
        f = d.get(b"files", {}).get(info_hash)
        if f is None:
            return (0, 0, 0)
        return (f[b"complete"], f[b"incomplete"], f[b"downloaded"])

    def wait_scrape(self, info_hash, pred, what, deadline=ANNOUNCE_DEADLINE, procs=()):
        last = [None]

        def probe():
            last[0] = self.scrape(info_hash)
            return pred(last[0])

        try:
            wait_for(what, probe, deadline, interval=0.25, procs=procs)
        except Fail as e:
            raise Fail(f"{e} (last scrape: complete, incomplete, downloaded = {last[0]})")
        log(f"scrape: complete, incomplete, downloaded = {last[0]} ({what})")
        return last[0]


def client_args(procs, tag, sub, torrent, save_dir, port, verbose, extra=()):
    args = ["--data-dir", os.path.join(procs.work, f"{tag}-data")]
    if verbose:
        args.append("-v")
    return args + [sub, torrent, "-d", save_dir, "--port", str(port)] + list(extra)


# ---------------------------------------------------------------------------------------------
# Payloads


def write_file(path, size, rng):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 1 << 20)
            f.write(rng.randbytes(n))
            left -= n


def make_payload(root, layout, seed):
    """layout: [(relative path, size)]; returns the total size."""
    rng = random.Random(seed)
    for rel, size in layout:
        write_file(os.path.join(root, *rel.split("/")), size, rng)
    return sum(size for _, size in layout)


SWARM_LAYOUT = [
    ("one-byte.bin", 1),
    ("a/b/c/odd-16383.bin", 16383),
    ("a/b/c/odd-16385.bin", 16385),
    ("a/b/c/empty.bin", 0),
    ("a/b/mb-plus-7.bin", (1 << 20) + 7),
    ("a/b/c/d/three-mb-odd.bin", 3 * (1 << 20) + 12345),
    ("a/tiny-3.bin", 3),
    ("z/rest.bin", 8 * (1 << 20) - (1 + 16383 + 16385 + (1 << 20) + 7 + 3 * (1 << 20) + 12345 + 3)
     + 4097),
    ("zz-empty-at-end.txt", 0),
]

SMALL_LAYOUT = [
    ("first-7.bin", 7),
    ("a/b/c/odd-16385.bin", 16385),
    ("a/empty.bin", 0),
    ("a/b/middle.bin", 2 * (1 << 20) + 99),
    ("z/last-16383.bin", 16383),
]


def make_torrent(procs, root, announce, piece_size=65536):
    out = os.path.join(procs.work, os.path.basename(root) + ".torrent")
    cli_data = os.path.join(procs.work, "cli-data")
    rc, so, se, _ = run_cli(procs, ["--data-dir", cli_data, "create", root, "-t", announce,
                                    "-o", out, "--piece-size", str(piece_size)])
    check(rc == 0, f"create failed rc={rc}: {se.strip()!r}")
    rc, so, se, _ = run_cli(procs, ["--data-dir", cli_data, "info", out, "--json"])
    check(rc == 0, f"info --json failed rc={rc}: {se.strip()!r}")
    info = json.loads(so)
    eq(info["piece_length"], piece_size, "piece length of the created torrent")
    return out, info


def tree(root):
    """{relative '/'-separated path: (size, sha1)} for every regular file under root."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            h = hashlib.sha1()
            with open(full, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            out[rel] = (os.path.getsize(full), h.hexdigest())
    return out


def assert_same_tree(source, copy, what):
    a, b = tree(source), tree(copy)
    missing = sorted(set(a) - set(b))
    extra = sorted(set(b) - set(a))
    differ = sorted(p for p in set(a) & set(b) if a[p] != b[p])
    check(not missing and not extra and not differ,
          f"{what}: missing {missing}, extra {extra}, different "
          f"{[(p, a[p][0], b[p][0]) for p in differ]}")
    log(f"{what}: {len(a)} files byte-identical ({sum(s for s, _ in a.values())} bytes)")


def stderr_lines(text):
    return [line for line in text.splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------
# The evil peer: answers every request with random bytes


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError(f"peer closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


class EvilPeer:
    PSTR = b"BitTorrent protocol"

    def __init__(self, info_hash, num_pieces, piece_length, total_size, first_block_only=False):
        # first_block_only: answer only requests at offset 0 of a piece and ignore the others
        # (partial pieces with one bad block, waiting for another peer to finish them).
        self.first_block_only = first_block_only
        self.info_hash = info_hash
        self.num_pieces = num_pieces
        self.piece_length = piece_length
        self.total_size = total_size
        self.peer_id = b"-EV0001-" + bytes(random.choice(b"0123456789") for _ in range(12))
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.accepted = []          # monotonic times of accepted connections
        self.handshakes = 0
        self.blocks = 0
        self.bytes = 0
        self.served = {}            # piece -> set of (begin, length)
        self.closes = []            # (monotonic time, blocks served on that connection, reason)
        self.events = []            # text lines for the report
        self.stopping = False
        self.conns = []
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def note(self, text):
        with self.lock:
            self.events.append(f"{time.strftime('%H:%M:%S')} {text}")

    def _accept_loop(self):
        while not self.stopping:
            try:
                conn, addr = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.accepted.append(time.monotonic())
                self.conns.append(conn)
            self.note(f"accepted a connection from {addr[0]}:{addr[1]}")
            threading.Thread(target=self._serve, args=(conn, addr), daemon=True).start()

    def _serve(self, conn, addr):
        served_here = 0
        reason = "?"
        try:
            conn.settimeout(60)
            head = recv_exact(conn, 68)
            if head[0] != 19 or head[1:20] != self.PSTR:
                reason = f"bad handshake {head[:20]!r}"
                return
            if head[28:48] != self.info_hash:
                reason = f"wrong info-hash {head[28:48].hex()}"
                return
            with self.lock:
                self.handshakes += 1
            # No reserved bits: plain BEP 3, no fast or extension protocol.
            conn.sendall(bytes([19]) + self.PSTR + bytes(8) + self.info_hash + self.peer_id)
            bits = bytearray((self.num_pieces + 7) // 8)
            for i in range(self.num_pieces):
                bits[i // 8] |= 0x80 >> (i % 8)
            conn.sendall(struct.pack(">IB", 1 + len(bits), 5) + bytes(bits))
            conn.sendall(struct.pack(">IB", 1, 1))  # unchoke
            while True:
                (length,) = struct.unpack(">I", recv_exact(conn, 4))
                if length == 0:
                    continue  # keep-alive
                body = recv_exact(conn, length)
                msg = body[0]
                if msg == 6 and length == 13:  # request
                    index, begin, size = struct.unpack(">III", body[1:13])
                    if index >= self.num_pieces or size == 0 or size > 131072:
                        reason = f"odd request {index}/{begin}/{size}"
                        return
                    if self.first_block_only and begin != 0:
                        continue
                    conn.sendall(struct.pack(">IBII", 9 + size, 7, index, begin)
                                 + os.urandom(size))
                    served_here += 1
                    with self.lock:
                        self.blocks += 1
                        self.bytes += size
                        self.served.setdefault(index, set()).add((begin, size))
                elif msg == 2:  # interested: we are unchoked already; say it again
                    conn.sendall(struct.pack(">IB", 1, 1))
                # choke, unchoke, not interested, have, bitfield, cancel, extended: ignored
        except (EOFError, ConnectionError, socket.timeout, OSError) as e:
            reason = f"{type(e).__name__}: {e}"
        finally:
            with self.lock:
                self.closes.append((time.monotonic(), served_here, reason))
            self.note(f"connection from {addr[0]}:{addr[1]} ended after {served_here} blocks "
                      f"({reason})")
            try:
                conn.close()
            except OSError:
                pass

    def full_pieces(self):
        """Pieces whose every byte the evil peer has served (random) blocks for."""
        out = []
        with self.lock:
            served = {p: set(s) for p, s in self.served.items()}
        for piece, blocks in served.items():
            size = min(self.piece_length, self.total_size - piece * self.piece_length)
            covered = 0
            for begin, length in sorted(blocks):
                if begin > covered:
                    break
                covered = max(covered, begin + length)
            if covered >= size:
                out.append(piece)
        return sorted(out)

    def report(self):
        with self.lock:
            events = list(self.events)
        return (f"----- evil peer on 127.0.0.1:{self.port}: {self.blocks} blocks served -----\n"
                + "\n".join(events[-50:]))

    def announce(self, tracker):
        path = ("/announce?info_hash=" + q(self.info_hash) + "&peer_id=" + q(self.peer_id)
                + f"&port={self.port}&uploaded=0&downloaded=0&left=0&compact=1&event=started")
        status, body = tracker.get(path)
        eq(status, 200, "evil peer's announce status")
        d = bdecode(body)
        check(b"failure reason" not in d, f"evil peer's announce failed: {d!r}")

    def close(self):
        self.stopping = True
        try:
            self.listener.close()
        except OSError:
            pass
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                c.close()
            except OSError:
                pass


# ---------------------------------------------------------------------------------------------
# Case: one seeder, three leechers


def case_one_seed_three_leechers(procs):
    work = procs.work
    tracker = Tracker(procs).start()
    src_parent = os.path.join(work, "seed")
    root = os.path.join(src_parent, "swarm-payload")
    total = make_payload(root, SWARM_LAYOUT, seed=1)
    torrent, info = make_torrent(procs, root, tracker.announce_url)
    ih = bytes.fromhex(info["info_hash"])
    log(f"torrent {info['name']}: {total} bytes, {info['num_pieces']} pieces of "
        f"{info['piece_length']}, {len(info['files'])} files")
    eq(len(info["files"]), len(SWARM_LAYOUT), "files in the torrent (empty files kept)")

    seeder = Proc(procs, "seeder", client_args(procs, "seeder", "seed", torrent, src_parent,
                                               free_port(), verbose=True))
    tracker.wait_scrape(ih, lambda s: s[0] == 1, "the seeder in the scrape", procs=[seeder])

    leechers = []
    t0 = time.monotonic()
    for i in range(3):
        tag = f"leecher{i + 1}"
        save = os.path.join(work, tag)
        leechers.append((Proc(procs, tag, client_args(procs, tag, "download", torrent, save,
                                                      free_port(), verbose=True,
                                                      extra=["--seed"])), save))
    done = {}

    def all_complete():
        for p, _ in leechers:
            if p.tag not in done and "complete; seeding until Ctrl-C" in p.stderr():
                done[p.tag] = time.monotonic() - t0
                log(f"{p.tag} complete after {done[p.tag]:.1f} s")
        return len(done) == len(leechers)

    wait_for("all three leechers to complete", all_complete, TRANSFER_DEADLINE,
             interval=0.25, procs=[seeder] + [p for p, _ in leechers])
    for p, save in leechers:
        assert_same_tree(root, os.path.join(save, info["name"]), p.tag)

    tracker.wait_scrape(ih, lambda s: s == (4, 0, 3),
                        "complete == 4, incomplete == 0, downloaded == 3 after the leechers "
                        "turned into seeders",
                        deadline=20, procs=[tracker.proc, seeder] + [p for p, _ in leechers])

    for p, _ in leechers:
        p.stop_ok()
    seeder.stop_ok()
    tracker.wait_scrape(ih, lambda s: s[:2] == (0, 0),
                        "complete == 0, incomplete == 0 after every peer stopped", deadline=5)
    tracker.proc.stop_ok()
    for p, _ in leechers:
        for line in stderr_lines(p.stderr()):
            if "failed its hash check" in line or "banned" in line:
                raise Fail(f"{p.tag} reported a corrupt piece among honest peers: {line!r}")


# ---------------------------------------------------------------------------------------------
# Case: a peer that sends garbage is banned; the download completes from a real seeder


def case_corrupt_peer_banned(procs):
    work = procs.work
    tracker = Tracker(procs).start()
    src_parent = os.path.join(work, "seed")
    root = os.path.join(src_parent, "evil-payload")
    total = make_payload(root, SMALL_LAYOUT, seed=2)
    torrent, info = make_torrent(procs, root, tracker.announce_url)
    ih = bytes.fromhex(info["info_hash"])
    plen = info["piece_length"]
    log(f"torrent {info['name']}: {total} bytes, {info['num_pieces']} pieces of {plen}")

    evil = EvilPeer(ih, info["num_pieces"], plen, total)
    procs.closers.append(evil.close)
    procs.reports.append(evil.report)
    evil.announce(tracker)
    tracker.wait_scrape(ih, lambda s: s[0] == 1, "the evil peer as the only seeder")
    log(f"evil peer listening on 127.0.0.1:{evil.port}, announced with left=0")

    save = os.path.join(work, "leecher")
    leecher = Proc(procs, "leecher", client_args(procs, "leecher", "download", torrent, save,
                                                 free_port(), verbose=True))
    ban_re = re.compile(r"banned 127\.0\.0\.1:(\d+): ")
    fail_re = re.compile(r"piece (\d+) failed its hash check")

    def banned():
        err = leecher.stderr()
        m = ban_re.search(err)
        if m:
            return ("ban line", m)
        with evil.lock:
            closed_after_data = any(served > 0 for _, served, _ in evil.closes)
            open_conns = len(evil.accepted) - len(evil.closes)
        if closed_after_data and open_conns == 0:
            return ("connection closed after data", None)
        return None

    how, m = wait_for("the leecher to ban the evil peer", banned, BAN_DEADLINE, interval=0.2,
                      procs=[leecher])
    ban_seen = time.monotonic()
    log(f"ban detected by {how}: {m.group(0) if m else '(no ban line on stderr yet)'}")
    if m:
        eq(int(m.group(1)), evil.port, "port of the banned peer")
    # The connection must be closed, and no new connection accepted for a few seconds.
    wait_for("the evil peer's connection to be closed by the leecher",
             lambda: len(evil.closes) >= len(evil.accepted), 10, procs=[leecher])
    time.sleep(5)
    with evil.lock:
        late = [t for t in evil.accepted if t > ban_seen]
        closes = list(evil.closes)
        accepted = len(evil.accepted)
    check(not late, f"the leecher connected to the banned peer again {len(late)} time(s)")
    err = leecher.stderr()
    failed = sorted({int(x) for x in fail_re.findall(err)})
    m = ban_re.search(err)
    check(m is not None, "no 'banned 127.0.0.1:PORT: reason' warning on the "
                         "leecher's stderr although the evil peer's connection was closed")
    eq(int(m.group(1)), evil.port, "port of the banned peer")
    check(failed, "no 'piece N failed its hash check' warning before the ban")
    full = evil.full_pieces()
    log(f"evil peer: {accepted} connection(s), {evil.handshakes} handshake(s), served "
        f"{evil.blocks} blocks / {evil.bytes} bytes, full pieces served {full[:10]}"
        f"{'...' if len(full) > 10 else ''}; closes {[(s, r) for _, s, r in closes]}; "
        f"leecher reported failed pieces {failed[:10]}")
    check(evil.bytes >= plen and full,
          f"the evil peer served {evil.bytes} bytes and no full piece ({plen} bytes): the ban "
          f"did not come from hash failures")
    check(set(failed) <= set(full) or not full,
          f"failed pieces {failed} include pieces the evil peer did not fully serve {full}")
    check(leecher.alive(), f"the leecher exited (rc={leecher.rc()}) after the ban")

    # Now a real seeder: the leecher must complete from it.
    t0 = time.monotonic()
    seeder = Proc(procs, "seeder", client_args(procs, "seeder", "seed", torrent, src_parent,
                                               free_port(), verbose=True))
    try:
        rc = leecher.wait_exit(TRANSFER_DEADLINE)
    except Fail:
        if not seeder.alive():
            raise Fail(f"the seeder exited early (rc={seeder.rc()}) and the leecher never "
                       f"completed")
        raise
    log(f"leecher exited rc={rc} {time.monotonic() - t0:.1f} s after the real seeder started")
    eq(rc, 0, "the leecher's exit code")
    assert_same_tree(root, os.path.join(save, info["name"]), "leecher after the ban")
    with evil.lock:
        late = [t for t in evil.accepted if t > ban_seen]
    check(not late, f"the leecher connected to the banned peer again {len(late)} time(s)")
    tracker.wait_scrape(ih, lambda s: s[2] == 1, "downloaded == 1 after the leecher completed",
                        deadline=10)
    seeder.stop_ok()
    tracker.proc.stop_ok()


# ---------------------------------------------------------------------------------------------
# Extra case (run by name only, not registered with ctest): an honest seeder must not be
# banned for corrupt blocks that came from another peer


def case_partial_corrupt_peer(procs):
    """The evil peer answers only the first block of each piece (random bytes), so the
    leecher holds many partial pieces with one bad block. A real seeder then finishes those
    pieces: they fail with two contributors. The leecher must still complete, and must never
    ban the honest seeder."""
    work = procs.work
    tracker = Tracker(procs).start()
    src_parent = os.path.join(work, "seed")
    root = os.path.join(src_parent, "partial-payload")
    total = make_payload(root, [("a/one.bin", 4 * (1 << 20) + 5), ("b.bin", 16385)], seed=5)
    torrent, info = make_torrent(procs, root, tracker.announce_url)
    ih = bytes.fromhex(info["info_hash"])
    evil = EvilPeer(ih, info["num_pieces"], info["piece_length"], total, first_block_only=True)
    procs.closers.append(evil.close)
    procs.reports.append(evil.report)
    evil.announce(tracker)
    tracker.wait_scrape(ih, lambda s: s[0] == 1, "the evil peer as the only seeder")
    save = os.path.join(work, "leecher")
    leecher = Proc(procs, "leecher", client_args(procs, "leecher", "download", torrent, save,
                                                 free_port(), verbose=True))
    wait_for("the evil peer to serve 8 first blocks", lambda: evil.blocks >= 8, 30,
             procs=[leecher])
    time.sleep(2)
    log(f"evil peer served {evil.blocks} first blocks; starting the real seeder")
    seeder = Proc(procs, "seeder", client_args(procs, "seeder", "seed", torrent, src_parent,
                                               free_port(), verbose=True))
    try:
        rc = leecher.wait_exit(TRANSFER_DEADLINE)
    finally:
        bans = re.findall(r"banned 127\.0\.0\.1:(\d+): ()",
                          leecher.stderr())
        honest = sorted({f"127.0.0.1:{p} after {n}" for p, n in bans if int(p) != evil.port})
        log(f"ban lines: {len(bans)}; of peers other than the evil one: {honest}")
    check(not honest, f"the leecher banned an honest peer (the seeder): {honest}")
    eq(rc, 0, "the leecher's exit code")
    assert_same_tree(root, os.path.join(save, info["name"]), "leecher")
    seeder.stop_ok()
    tracker.proc.stop_ok()


# ---------------------------------------------------------------------------------------------
# Case: a second run with the same database resumes without a recheck


def case_resume_from_database(procs):
    work = procs.work
    tracker = Tracker(procs).start()
    src_parent = os.path.join(work, "seed")
    root = os.path.join(src_parent, "swarm-payload")
    make_payload(root, SWARM_LAYOUT, seed=4)
    torrent, info = make_torrent(procs, root, tracker.announce_url)
    ih = bytes.fromhex(info["info_hash"])
    paths = [f["path"] for f in info["files"]]
    big = paths.index("a/b/c/d/three-mb-odd.bin")
    seeder = Proc(procs, "seeder", client_args(procs, "seeder", "seed", torrent, src_parent,
                                               free_port(), verbose=True))
    tracker.wait_scrape(ih, lambda s: s[0] == 1, "the seeder in the scrape", procs=[seeder])
    save = os.path.join(work, "leecher")
    db = os.path.join(work, "leecher.db")

    # Run 1: only the big file (and the pieces it shares with its neighbours).
    first = Proc(procs, "leecher-run1", client_args(procs, "leecher-run1", "download", torrent,
                                                    save, free_port(), verbose=True,
                                                    extra=["--db", db, "--only", str(big)]))
    eq(first.wait_exit(TRANSFER_DEADLINE), 0, "run 1 exit code")
    with open(os.path.join(root, paths[big]), "rb") as a, \
            open(os.path.join(save, info["name"], paths[big]), "rb") as b:
        check(a.read() == b.read(), "run 1: the selected file is byte-identical")

    # Run 2: everything, same database: the first run's pieces are believed, not rechecked.
    second = Proc(procs, "leecher-run2", client_args(procs, "leecher-run2", "download", torrent,
                                                     save, free_port(), verbose=True,
                                                     extra=["--db", db]))
    eq(second.wait_exit(TRANSFER_DEADLINE), 0, "run 2 exit code")
    err = second.stderr()
    m = re.search(r"resumed (\d+) of (\d+) pieces from the database without a recheck", err)
    check(m is not None and int(m.group(1)) > 0, "run 2 did not resume from the database")
    check("checking" not in err, "run 2 rechecked the files")
    log(f"run 2 resumed {m.group(1)} of {m.group(2)} pieces")
    assert_same_tree(root, os.path.join(save, info["name"]), "leecher after run 2")

    # Run 3: a file changed behind our back (new mtime): the files are checked, not believed.
    changed = os.path.join(save, info["name"], paths[big])
    st = os.stat(changed)
    os.utime(changed, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    third = Proc(procs, "leecher-run3", client_args(procs, "leecher-run3", "download", torrent,
                                                    save, free_port(), verbose=True,
                                                    extra=["--db", db]))
    eq(third.wait_exit(TRANSFER_DEADLINE), 0, "run 3 exit code")
    check("files changed since the database recorded them: checking" in third.stderr(),
          "run 3 did not recheck a file whose mtime changed")
    seeder.stop_ok()
    tracker.proc.stop_ok()


# ---------------------------------------------------------------------------------------------
# Case: refusals


class Problems:
    """Collects the failed checks of one case so that every refusal is tried and reported."""

    def __init__(self):
        self.items = []

    def check(self, cond, what):
        if not cond:
            self.items.append(what)
            log(f"  PROBLEM: {what}")
        return cond

    def raise_if_any(self):
        if self.items:
            raise Fail(f"{len(self.items)} problem(s):\n  - " + "\n  - ".join(self.items))


def expect_refusal(procs, problems, what, args, codes, nothing_in=None, must_contain=(),
                   one_line=True):
    """Runs args; expects an exit code in codes and one error line on stderr (one_line: the
    whole stderr is that line; else progress lines may come first, but exactly one line starts
    with "liketorrent: " and it is the last). Problems are collected, not raised. Returns the
    last stderr line."""
    rc, so, se, took = run_cli(procs, args)
    lines = stderr_lines(se)
    log(f"{what}: rc={rc} in {took:.2f} s, stderr {lines!r}")
    problems.check(rc in codes, f"{what}: exit code {rc}, expected "
                                f"{' or '.join(map(str, codes))} (stderr {se.strip()!r})")
    if one_line:
        problems.check(len(lines) == 1, f"{what}: {len(lines)} stderr lines, expected 1 "
                                        f"({lines!r})")
    else:
        errors = [l for l in lines if l.startswith("liketorrent: ")]
        problems.check(len(errors) == 1, f"{what}: {len(errors)} 'liketorrent: ...' lines on "
                                         f"stderr, expected 1 ({errors!r})")
        problems.check(bool(lines) and lines[-1].startswith("liketorrent: "),
                       f"{what}: the last stderr line is not the error ({lines[-3:]!r})")
    last = lines[-1] if lines else ""
    for needle in must_contain:
        alts = needle if isinstance(needle, tuple) else (needle,)
        problems.check(any(a.lower() in last.lower() for a in alts),
                       f"{what}: stderr line {last!r} does not mention {' or '.join(alts)!r}")
    if nothing_in is not None:
        problems.check(not os.path.exists(nothing_in),
                       f"{what}: {nothing_in} was created")
    return last


def case_bad_input(procs):
    """Every refusal is tried; the problems are reported together at the end."""
    work = procs.work
    problems = Problems()
    # A torrent for a tracker that is not there (connection refused); nobody else to reach.
    dead_tracker = f"http://127.0.0.1:{free_port()}/announce"
    src_parent = os.path.join(work, "src")
    root = os.path.join(src_parent, "bad-input-payload")
    make_payload(root, [("a.bin", 100003), ("d/e/f.bin", 16385), ("d/empty", 0)], seed=3)
    torrent, info = make_torrent(procs, root, dead_tracker, piece_size=16384)
    dd = ["--data-dir", os.path.join(work, "cli-data")]

    def out(name):
        return os.path.join(work, "out-" + name)

    def refuse(what, args, codes, **kw):
        return expect_refusal(procs, problems, what, dd + args, codes, **kw)

    # Bad .torrent arguments: exit 2, one line, -d not created.
    refuse("download of a missing .torrent",
           ["download", os.path.join(work, "nope.torrent"), "-d", out("missing"),
            "--port", str(free_port())], (2,), nothing_in=out("missing"))
    junk = os.path.join(work, "junk.torrent")
    with open(junk, "w") as f:
        f.write("this is not a torrent\n")
    refuse("download of a non-torrent file",
           ["download", junk, "-d", out("junk"), "--port", str(free_port())], (2,),
           nothing_in=out("junk"))
    empty = os.path.join(work, "empty.torrent")
    open(empty, "wb").close()
    refuse("download of an empty file",
           ["download", empty, "-d", out("empty"), "--port", str(free_port())], (2,),
           nothing_in=out("empty"))
    refuse("download of a magnet link",
           ["download", info["magnet"], "-d", out("magnet"), "--port", str(free_port())], (2,),
           nothing_in=out("magnet"))

    # -d is a regular file, or below one.
    regular = os.path.join(work, "regular-file")
    with open(regular, "wb") as f:
        f.write(b"x")
    refuse("download -d REGULAR_FILE",
           ["download", torrent, "-d", regular, "--port", str(free_port())], (1, 2))
    with open(regular, "rb") as f:
        problems.check(f.read() == b"x", "the regular file given as -d was changed")
    refuse("download -d REGULAR_FILE/sub",
           ["download", torrent, "-d", os.path.join(regular, "sub"), "--port", str(free_port())],
           (1, 2))

    # -d is an unwritable directory (root ignores the mode bits).
    if os.geteuid() == 0:
        log("SKIPPED PART: download -d UNWRITABLE_DIR (running as root, which ignores "
            "chmod 0500)")
    else:
        locked = os.path.join(work, "locked")
        os.mkdir(locked)
        os.chmod(locked, 0o500)
        try:
            refuse("download -d UNWRITABLE_DIR (0500)",
                   ["download", torrent, "-d", locked, "--port", str(free_port())], (1, 2))
            problems.check(os.listdir(locked) == [],
                           f"files left in the unwritable dir: {os.listdir(locked)}")
        finally:
            os.chmod(locked, 0o700)

    # seed without the data.
    nodata = os.path.join(work, "no-data")
    os.mkdir(nodata)
    refuse("seed with the data missing",
           ["seed", torrent, "-d", nodata, "--port", str(free_port())], (2,))
    problems.check(os.listdir(nodata) == [],
                   f"seed created files in a dir without the data: {os.listdir(nodata)}")
    refuse("seed -d MISSING_DIR",
           ["seed", torrent, "-d", os.path.join(work, "no-such-dir"), "--port", str(free_port())],
           (2,), nothing_in=os.path.join(work, "no-such-dir"))

    # seed with one byte flipped: the check fails (progress lines may come first).
    flipped_parent = os.path.join(work, "flipped")
    shutil.copytree(src_parent, flipped_parent)
    victim = os.path.join(flipped_parent, info["name"], "a.bin")
    with open(victim, "r+b") as f:
        f.seek(50000)
        b = f.read(1)
        f.seek(50000)
        f.write(bytes([b[0] ^ 0xFF]))
    before = tree(flipped_parent)
    refuse("seed with one byte flipped",
           ["seed", torrent, "-d", flipped_parent, "--port", str(free_port())], (2,),
           must_contain=[("incomplete", "verified")], one_line=False)
    problems.check(tree(flipped_parent) == before, "seed changed the data it refused to seed")

    # --port already held by a listening socket of ours (0.0.0.0, as the client binds).
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    procs.closers.append(held.close)
    held.bind(("0.0.0.0", 0))
    held.listen(1)
    port = held.getsockname()[1]
    last = refuse(f"download --port {port} (held by the test)",
                  ["download", torrent, "-d", out("port"), "--port", str(port)], (1,))
    problems.check(str(port) in last,
                   f"the port-in-use line does not name port {port}: {last!r}")
    held.close()
    problems.raise_if_any()


# ---------------------------------------------------------------------------------------------
# Case: SIGTERM to an unfinished leecher


def case_sigterm_is_clean(procs):
    work = procs.work
    tracker = Tracker(procs).start()
    root = os.path.join(work, "src", "lonely-payload")
    make_payload(root, [("a.bin", 500001), ("b/c.bin", 16385)], seed=4)
    torrent, info = make_torrent(procs, root, tracker.announce_url)
    ih = bytes.fromhex(info["info_hash"])
    save = os.path.join(work, "leecher")
    leecher = Proc(procs, "leecher", client_args(procs, "leecher", "download", torrent, save,
                                                 free_port(), verbose=False))
    tracker.wait_scrape(ih, lambda s: s[1] == 1, "the leecher in the scrape (incomplete == 1)",
                        procs=[leecher])
    time.sleep(1)
    rc, took = leecher.terminate()
    lines = stderr_lines(leecher.stderr())
    log(f"leecher stderr after SIGTERM: {lines[-5:]!r}")
    eq(rc, 1, "exit code of an unfinished download after SIGTERM")
    check(took <= STOP_TIMEOUT, f"the leecher took {took:.1f} s to stop")
    errors = [l for l in lines if l.startswith("liketorrent: ")]
    eq(len(errors), 1, f"'liketorrent: ...' lines on stderr ({lines!r})")
    check("interrupt" in errors[0].lower(), f"the error line does not say it was interrupted: "
                                            f"{errors[0]!r}")
    check(lines[-1] == errors[0], f"the error is not the last stderr line: {lines[-3:]!r}")
    s = tracker.scrape(ih)
    log(f"scrape right after the leecher exited: complete, incomplete, downloaded = {s}")
    eq(s, (0, 0, 0), "scrape after the leecher's `stopped` (complete, incomplete, downloaded)")
    tracker.proc.stop_ok()


# ---------------------------------------------------------------------------------------------

CASES = {
    "one_seed_three_leechers": case_one_seed_three_leechers,
    "corrupt_peer_banned": case_corrupt_peer_banned,
    "partial_corrupt_peer": case_partial_corrupt_peer,
    "resume_from_database": case_resume_from_database,
    "bad_input": case_bad_input,
    "sigterm_is_clean": case_sigterm_is_clean,
}

# Run only when named (none at the moment): reproducers of engine bugs not fixed yet.
EXTRA_CASES = {}


def run_main(argv, doc, cases, extra_cases, prefix, keep_env):
    """The command line shared by the swarm and lifecycle scripts: --list, case selection, a
    temp work dir per case (kept when keep_env is set), child logs on failure, exit 0/1/77."""
    global BINARY
    if len(argv) >= 2 and argv[1] == "--list":
        print("\n".join(list(cases) + [f"{n} (extra: run by name only)" for n in extra_cases]))
        return 0
    if len(argv) < 2:
        print(doc, file=sys.stderr)
        return 2
    BINARY = os.path.abspath(argv[1])
    if not os.access(BINARY, os.X_OK):
        print(f"not executable: {BINARY}", file=sys.stderr)
        return 2
    names = argv[2:] or list(cases)
    every = {**cases, **extra_cases}
    unknown = [n for n in names if n not in every]
    if unknown:
        print(f"unknown case(s): {' '.join(unknown)} (have: {' '.join(every)})", file=sys.stderr)
        return 2
    random.seed(os.getpid() ^ time.time_ns())

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_sigterm)  # the finally blocks stop the children
    results = []
    for name in names:
        work = tempfile.mkdtemp(prefix=f"{prefix}-{name}-")
        procs = Procs(work)
        t0 = time.monotonic()
        status = "PASS"
        try:
            log(f"=== {name} (work dir {work})")
            every[name](procs)
        except Skip as e:
            status = f"SKIP ({e})"
        except Exception as e:  # noqa: BLE001 - any failure is reported with the child logs
            status = "FAIL"
            print(f"FAIL [{name}]: {e}" if isinstance(e, Fail) else
                  f"FAIL [{name}]:\n{traceback.format_exc()}", flush=True)
            procs.stop_all()
            procs.dump_logs()
        finally:
            procs.stop_all()
            if os.environ.get(keep_env):
                log(f"kept the work dir {work} ({keep_env} is set)")
            else:
                shutil.rmtree(work, ignore_errors=True)
        took = time.monotonic() - t0
        results.append((name, status, took))
        print(f"{status} [{name}] in {took:.1f} s", flush=True)
    print("summary: " + ", ".join(f"{n} {s.split()[0]} ({t:.1f} s)" for n, s, t in results),
          flush=True)
    if any(s == "FAIL" for _, s, _ in results):
        return 1
    if all(s.startswith("SKIP") for _, s, _ in results):
        return SKIP
    return 0


def main(argv):
    return run_main(argv, __doc__, CASES, EXTRA_CASES, "lt-swarm", "LT_SWARM_KEEP")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
