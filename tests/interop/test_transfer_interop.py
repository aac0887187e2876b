#!/usr/bin/python3
"""Interop tests for liketorrent's peer wire: our `download` gets a torrent from real BitTorrent
clients, and our `seed` serves it to them, over TCP on 127.0.0.1, finding each other only
through OUR tracker (no DHT, LSD, PEX, UPnP).

usage: test_transfer_interop.py LIKETORRENT_BINARY [CASE ...]     (no CASE: run them all)
       test_transfer_interop.py --list

Run it with /usr/bin/python3: Debian's python3-libtorrent is only importable by the system
interpreter. Only the standard library and libtorrent are used. Everything talks to 127.0.0.1.

Every case: start `liketorrent tracker --port P --bind 127.0.0.1 --interval 10` (P a free port,
temp --db and --data-dir), write a 7-file payload of random bytes (~8.5 MB: odd sizes, a nested
folder, an empty file, a file one byte short of a 64 KiB piece) and make a torrent of it with
`liketorrent create payload -t http://127.0.0.1:P/announce --piece-size 64K|256K`. Our processes
run with -v, their own --data-dir and a free --port. The seeder is ready once our scrape shows it
(complete == 1); then the leecher(s) start and get at most 90 s.

  from_libtorrent    python3-libtorrent seeds (TCP only; a small peer script written to the
                     case's temp dir); our `download` must exit 0 with byte-identical files and
                     nothing else in its folder.
  from_aria2         aria2c seeds (-V checks the existing files; --seed-ratio=0 and a long
                     --seed-time, bounded by --stop; no DHT/LPD/PEX; --interface=127.0.0.1);
                     our `download` as above.
  from_transmission  transmission-cli seeds (own config dir, -M no port mapping, DHT/LPD/PEX/uTP
                     off; it checks the existing files first); our `download` dials it (3.00
                     accepts incoming loopback peers) and must finish as above.
  from_transmission_daemon
                     transmission-daemon seeds: run in the foreground (-f) with its own config
                     dir (a settings.json written first: RPC on a free 127.0.0.1 port, whitelist
                     127.0.0.1, no auth; peer port free, bound to 127.0.0.1; DHT/LPD/PEX/uTP/
                     port mapping off), download dir = the folder holding the payload; then
                     `transmission-remote 127.0.0.1:RPC -a TORRENT` adds the torrent (the daemon
                     verifies the existing data and seeds); our `download` as above.
  to_libtorrent      our `seed`; a python3-libtorrent session downloads; every file must be
                     byte-identical (the empty one included).
  to_aria2           our `seed`; aria2c downloads and must exit 0 by itself (--seed-time=0)
                     with byte-identical files.
  to_transmission    our `seed`; transmission-cli leeches. transmission 3.00 does not dial
                     127.0.0.0/8 peers ("martian"), so OUR SEEDER must learn it from the
                     tracker (it re-announces about every 5 s while it has few peers) and dial
                     it. transmission-cli never exits by itself: the files are compared with the
                     source until equal (deadline). (transmission 3.00 does not create
                     zero-length files: the empty file is only logged, not required.)
  mixed_swarm        our `seed` and, started together, three leechers: our `download`,
                     python3-libtorrent and transmission-cli; all three must finish within the
                     deadline with byte-identical files (transmission as above).

In every to_* and mixed case our seeder is finally stopped with SIGTERM and must exit 0 within
10 s (the CLI contract). Pieces: 64 KiB for from_libtorrent, to_libtorrent and to_transmission,
256 KiB for the others.

Exit status: 0 all passed, 1 a case failed, 77 a needed tool is missing (ctest
SKIP_RETURN_CODE; the case prints "!!! SKIPPED: <tool> not installed"), 2 bad usage.
Every process a case starts is stopped by its PID in a finally block (SIGTERM, then SIGKILL);
each one's output is in CASE_TMP/NAME.log and the end of every log is printed when a case fails
(set LT_INTEROP_KEEP_TMP=1 to keep a failed case's temp dir with the full logs).
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as common  # noqa: E402
from interop_common import (Procs, Tracker, aria2c_argv, check, eq, free_port, log,  # noqa: E402
                            need, payload_mismatch, start_lt_peer, start_transmission_cli,
                            wait_for, write_payload)

# Bounds (the ctest TIMEOUT is 300 s; children run in their own sessions, so the script must
# finish, and clean up, on its own well before that): worst case about 20 (tracker) + 30 (seeder
# checks its data) + 30 (seeder in the scrape) + 100 (transfer; aria2c gets 10 s to exit after
# its own --stop) + 10 (our seeder's exit) + 5 x 5 (stopping the rest) = 215 s.
TRANSFER_DEADLINE = 90  # seconds for the leecher(s) to complete the transfer
SEED_READY_DEADLINE = 30  # seconds for a seeder to check its data and show up in our scrape
SEED_STOP_GRACE = 10  # our `seed` exits within 10 s of SIGTERM (DESIGN.md section 4)

NAME = "payload"  # the torrent's root folder
PAYLOAD = [  # ~8.5 MB, nothing piece aligned
    ("alpha.bin", 2_500_007),
    ("empty.dat", 0),
    ("docs/readme.txt", 1_337),
    ("sub/beta.bin", 1_999_999),
    ("sub/deeper/gamma.bin", 3_146_241),
    ("sub/deeper/delta.bin", 65_535),
    ("zeta.bin", 777_777),
]
NONEMPTY = [(rel, size) for rel, size in PAYLOAD if size]


class Swarm:
    """One case's tracker, payload (TMP/seed/payload), torrent (TMP/payload.torrent) and peers."""

    def __init__(self, tmp, procs, piece_size):
        self.tmp = tmp
        self.procs = procs
        self.tracker = Tracker(procs, tmp)
        self.seed_dir = os.path.join(tmp, "seed")
        self.src = os.path.join(self.seed_dir, NAME)
        write_payload(self.src, PAYLOAD)
        self.torrent = os.path.join(tmp, NAME + ".torrent")
        self.ih = common.create_torrent([self.src], self.tracker.url, self.torrent, piece_size)
        self.t0 = None  # when the leecher(s) started

    def mismatch(self, save, files=PAYLOAD, exact=False):
        """None when SAVE/payload holds files with the source's bytes, else the difference."""
        return payload_mismatch(files, self.src, os.path.join(save, NAME), exact)

    def new_dir(self, name):
        d = os.path.join(self.tmp, name)
        os.makedirs(d)
        return d

    def elapsed(self):
        return time.monotonic() - self.t0

    def leechers_start(self):
        self.t0 = time.monotonic()

    def wait_seeder(self, what):
        """Waits until our scrape shows the seeder (complete == 1, incomplete == 0)."""
        c = self.tracker.wait_scrape(self.ih, "%s registered (complete == 1)" % what,
                                     lambda c: c.get("complete") == 1, SEED_READY_DEADLINE)
        eq(c.get("incomplete"), 0, "scrape incomplete with only the seeder")

    # ---- our processes

    def start_ours(self, name, cmd, save):
        """`liketorrent seed|download TORRENT -d SAVE --port P --data-dir TMP/NAME-data -v`."""
        return self.procs.start(name, [
            common.BIN, cmd, self.torrent, "-d", save, "--port", free_port(),
            "--data-dir", os.path.join(self.tmp, name + "-data"), "-v"],
            must_stay_alive=(cmd == "seed"))

    def start_our_seeder(self):
        """Our `seed` of the source itself (-d TMP/seed); ready once it shows in the scrape."""
        p = self.start_ours("ours-seed", "seed", self.seed_dir)
        self.wait_seeder("our seeder")
        return p

    def stop_our_seeder(self, p):
        """SIGTERM; it must exit 0 within SEED_STOP_GRACE seconds."""
        self.procs.expect_exit(p)
        t0 = time.monotonic()
        rc = self.procs.stop(p, grace=SEED_STOP_GRACE)
        log("our seeder exited with %s %.1f s after SIGTERM" % (rc, time.monotonic() - t0))
        eq(rc, 0, "our seeder's exit status after SIGTERM (within %d s)" % SEED_STOP_GRACE)

    def start_our_leecher(self):
        """Our `download` into the new folder TMP/ours-leech; returns (Popen, folder)."""
        save = self.new_dir("ours-leech")
        return self.start_ours("ours-leech", "download", save), save

    def our_download_done(self, p, save):
        """False while our `download` runs; once it exited: it must have exited 0 with exactly
        the payload in its folder (AssertionError otherwise), and the answer is True."""
        if p.poll() is None:
            return False
        log("our download exited with %d after %.1f s" % (p.returncode, self.elapsed()))
        eq(p.returncode, 0, "our download's exit status")
        eq(self.mismatch(save, exact=True), None, "our download's files against the source")
        return True

    def our_summary(self):
        """From each of our logs: the last progress line, the last peer closes and errors."""
        out = []
        for name in ("ours-seed", "ours-leech"):
            lines = self.procs.log_text(name).splitlines()
            if not lines:
                continue
            progress = [ln for ln in lines if " pieces " in ln]
            notes = [ln for ln in lines if "closed:" in ln or "error" in ln or "warning" in ln]
            out.append("%s: last progress: %s" % (name, progress[-1] if progress else "(none)"))
            out += ["%s: %s" % (name, ln) for ln in notes[-10:]]
        return "\n".join(out)

    @contextlib.contextmanager
    def explained(self):
        """A failure inside gets our_summary() appended to its message."""
        try:
            yield
        except AssertionError as e:
            raise AssertionError("%s\n%s" % (e, self.our_summary())) from None

    # ---- third-party peers

    def start_lt_seeder(self):
        start_lt_peer(self.procs, self.tmp, "lt-seed", "seed", self.torrent, self.seed_dir,
                      free_port())
        wait_for("the libtorrent seeder to be seeding",
                 lambda: "READY seeding" in self.procs.log_text("lt-seed"),
                 SEED_READY_DEADLINE, 0.1, self.procs)
        self.wait_seeder("the libtorrent seeder")

    def start_aria2_seeder(self):
        # --stop bounds it even if nothing else stops it; the case's finally stops it by PID.
        self.procs.start("aria2c-seed", aria2c_argv(self.torrent, self.seed_dir, free_port(),
                                                    240, seed=True))
        self.wait_seeder("the aria2c seeder")

    def start_transmission_seeder(self):
        start_transmission_cli(self.procs, self.tmp, "transmission-seed", self.torrent,
                               self.seed_dir)
        self.wait_seeder("the transmission seeder")

    def start_transmission_daemon_seeder(self):
        """transmission-daemon in the foreground (its own config dir TMP/transmission-daemon-
        config with a settings.json written first), download dir TMP/seed; once its RPC port
        accepts connections, `transmission-remote 127.0.0.1:RPC -a TORRENT` adds the torrent
        (the daemon verifies the existing files and seeds); ready once it shows in the scrape.
        Returns the daemon's Popen (it runs until stopped: SIGTERM by PID)."""
        cfg = os.path.join(self.tmp, "transmission-daemon-config")
        os.makedirs(cfg)
        rpc_port, peer_port = free_port(), free_port()
        with open(os.path.join(cfg, "settings.json"), "w") as f:
            f.write("""{
  "rpc-enabled": true, "rpc-bind-address": "127.0.0.1", "rpc-port": %d,
  "rpc-authentication-required": false, "rpc-whitelist-enabled": true,
  "rpc-whitelist": "127.0.0.1", "rpc-host-whitelist-enabled": false,
  "download-dir": "%s", "incomplete-dir-enabled": false, "watch-dir-enabled": false,
  "start-added-torrents": true,
  "dht-enabled": false, "lpd-enabled": false, "pex-enabled": false,
  "port-forwarding-enabled": false, "utp-enabled": false,
  "bind-address-ipv4": "127.0.0.1", "bind-address-ipv6": "::1",
  "peer-port": %d, "peer-port-random-on-start": false,
  "speed-limit-down-enabled": false, "speed-limit-up-enabled": false,
  "alt-speed-enabled": false, "blocklist-enabled": false,
  "ratio-limit-enabled": false, "idle-seeding-limit-enabled": false,
  "rename-partial-files": true, "message-level": 2
}
""" % (rpc_port, self.seed_dir, peer_port))
        daemon = self.procs.start("transmission-daemon", [
            "transmission-daemon", "-f", "-g", cfg, "-w", self.seed_dir,
            "--rpc-bind-address", "127.0.0.1", "-p", rpc_port, "-T", "-P", peer_port, "-M",
            "-O", "-Y", "--no-utp", "-i", "127.0.0.1", "--log-info"])

        def rpc_up():
            with contextlib.suppress(OSError), \
                    socket.create_connection(("127.0.0.1", rpc_port), timeout=1):
                return True
            return False

        wait_for("transmission-daemon's RPC on 127.0.0.1:%d" % rpc_port, rpc_up,
                 SEED_READY_DEADLINE, 0.1, self.procs)
        r = subprocess.run(["transmission-remote", "127.0.0.1:%d" % rpc_port, "-a",
                            self.torrent], env=common.ENV, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=30)
        out = (r.stdout + r.stderr).decode("utf-8", "replace").strip()
        log("transmission-remote -a exited with %d: %s" % (r.returncode, out))
        eq(r.returncode, 0, "transmission-remote -a's exit status (%s)" % out)
        check("success" in out, "transmission-remote -a did not succeed: %s" % out)
        self.wait_seeder("the transmission-daemon seeder")
        return daemon

    def start_lt_leecher(self):
        save = self.new_dir("lt-leech")
        start_lt_peer(self.procs, self.tmp, "lt-leech", "leech", self.torrent, save,
                      free_port())
        return save

    def lt_done(self, save):
        if "FINISHED download complete" not in self.procs.log_text("lt-leech"):
            return False
        log("libtorrent finished after %.1f s" % self.elapsed())
        eq(self.mismatch(save), None, "libtorrent's files against the source")
        return True

    def start_transmission_leecher(self):
        save = os.path.join(self.tmp, "transmission-leech")
        p, _ = start_transmission_cli(self.procs, self.tmp, "transmission-leech", self.torrent,
                                      save)
        return p, save

    def transmission_done(self, save):
        """transmission has every non-empty file with the source's bytes (3.00 does not create
        zero-length files; whether it did is logged)."""
        if self.mismatch(save, NONEMPTY) is not None:
            return False
        log("transmission's files are byte-identical after %.1f s; it created the empty "
            "file: %s" % (self.elapsed(), self.mismatch(save) is None))
        return True

    def stop_transmission(self, p):
        self.procs.expect_exit(p)
        self.procs.stop(p, grace=10, sig=signal.SIGINT)  # transmission-cli handles only SIGINT


def download_with_ours(swarm):
    """Our `download` from the swarm's (third-party) seeder."""
    p, save = swarm.start_our_leecher()
    swarm.leechers_start()
    with swarm.explained():
        wait_for("our download to finish", lambda: swarm.our_download_done(p, save),
                 TRANSFER_DEADLINE, 0.1, swarm.procs)


# --------------------------------------------------------------------------------------------
# cases


def case_from_libtorrent(tmp, procs):
    need("libtorrent")
    swarm = Swarm(tmp, procs, "64K")
    swarm.start_lt_seeder()
    download_with_ours(swarm)


def case_from_aria2(tmp, procs):
    need("aria2c")
    swarm = Swarm(tmp, procs, "256K")
    swarm.start_aria2_seeder()
    download_with_ours(swarm)


def case_from_transmission(tmp, procs):
    need("transmission-cli")
    swarm = Swarm(tmp, procs, "256K")
    swarm.start_transmission_seeder()
    download_with_ours(swarm)


def case_from_transmission_daemon(tmp, procs):
    need("transmission-daemon", "transmission-remote")
    swarm = Swarm(tmp, procs, "256K")
    daemon = None
    try:
        daemon = swarm.start_transmission_daemon_seeder()
        download_with_ours(swarm)
    finally:
        if daemon is not None:
            procs.expect_exit(daemon)
            procs.stop(daemon, grace=10)  # by PID; SIGTERM is its clean shutdown


def case_to_libtorrent(tmp, procs):
    need("libtorrent")
    swarm = Swarm(tmp, procs, "64K")
    seeder = swarm.start_our_seeder()
    with swarm.explained():
        save = swarm.start_lt_leecher()
        swarm.leechers_start()
        wait_for("the libtorrent leecher to finish", lambda: swarm.lt_done(save),
                 TRANSFER_DEADLINE, 0.1, procs)
        swarm.stop_our_seeder(seeder)


def case_to_aria2(tmp, procs):
    need("aria2c")
    swarm = Swarm(tmp, procs, "256K")
    seeder = swarm.start_our_seeder()
    with swarm.explained():
        save = swarm.new_dir("aria2c-leech")
        aria = procs.start("aria2c-leech", aria2c_argv(swarm.torrent, save, free_port(),
                                                       TRANSFER_DEADLINE),
                           must_stay_alive=False)
        swarm.leechers_start()
        wait_for("aria2c to exit", lambda: aria.poll() is not None, TRANSFER_DEADLINE + 10,
                 0.1, procs)
        log("aria2c exited with %d after %.1f s" % (aria.returncode, swarm.elapsed()))
        eq(aria.returncode, 0, "aria2c's exit status")
        eq(swarm.mismatch(save), None, "aria2c's files against the source")
        swarm.stop_our_seeder(seeder)


def case_to_transmission(tmp, procs):
    need("transmission-cli")
    swarm = Swarm(tmp, procs, "64K")
    seeder = swarm.start_our_seeder()
    with swarm.explained():
        tr, save = swarm.start_transmission_leecher()
        swarm.leechers_start()
        wait_for("transmission to complete the files (our seeder must dial it)",
                 lambda: swarm.transmission_done(save), TRANSFER_DEADLINE, 0.2, procs)
        swarm.stop_transmission(tr)
        swarm.stop_our_seeder(seeder)


def case_mixed_swarm(tmp, procs):
    need("libtorrent", "transmission-cli")
    swarm = Swarm(tmp, procs, "256K")
    seeder = swarm.start_our_seeder()
    with swarm.explained():
        ours, ours_save = swarm.start_our_leecher()
        lt_save = swarm.start_lt_leecher()
        tr, tr_save = swarm.start_transmission_leecher()
        swarm.leechers_start()
        pending = {
            "ours": lambda: swarm.our_download_done(ours, ours_save),
            "libtorrent": lambda: swarm.lt_done(lt_save),
            "transmission": lambda: swarm.transmission_done(tr_save),
        }

        def all_done():
            for name, done in list(pending.items()):
                if done():
                    del pending[name]
            return not pending

        try:
            wait_for("all three leechers to finish", all_done, TRANSFER_DEADLINE, 0.2, procs)
        except AssertionError as e:
            raise AssertionError("%s (not finished: %s)" % (e, " ".join(pending))) from None
        swarm.stop_transmission(tr)
        swarm.stop_our_seeder(seeder)


CASES = {
    "from_libtorrent": case_from_libtorrent,
    "from_aria2": case_from_aria2,
    "from_transmission": case_from_transmission,
    "from_transmission_daemon": case_from_transmission_daemon,
    "to_libtorrent": case_to_libtorrent,
    "to_aria2": case_to_aria2,
    "to_transmission": case_to_transmission,
    "mixed_swarm": case_mixed_swarm,
}


if __name__ == "__main__":
    sys.exit(common.main(sys.argv, __doc__, CASES, "lt-transfer-interop-", "transfer interop",
                         own_home=True, make_procs=lambda tmp: Procs(tmp, tail=60)))
