#!/usr/bin/python3
"""Lifecycle of our client on loopback: crashes (kill -9) and restarts, the daemon's stored
states, a corrupt database, a full disk, a read-only data dir, rate limits and the queue.

usage: test_lifecycle.py LIKETORRENT [CASE ...]      (no CASE: run them all)
       test_lifecycle.py --list

Cases:
  crash_kill9             a leecher (`download --db`) of a ~96 MiB multi-file torrent from an
                          upload-limited (3 MiB/s) seeder is killed with SIGKILL at a random
                          moment 5 times in a row (two of the runs after their first database
                          record) and restarted with the same database and folder; the 6th run
                          completes with byte-identical files. Each restart resumes or checks
                          (never below what the killed run had or recorded). The
                          seeder's recorded upload minus the payload size (bytes sent twice) is
                          at most kills x (3 MiB/s x 6 s + 8 pieces).
  daemon_restart_states   `add --paused`, `add --stopped` and `add` of a complete torrent; the
                          daemon shows paused / stopped / seeding (after a check), the database
                          holds 3 / 4 / 2 after SIGTERM, and a second daemon shows the same
                          states without checking the seeding torrent again. While a daemon
                          runs, `add` and a second daemon are refused (exit 1, the pid named).
                          A `download --db` stopped half-way by SIGTERM is finished by a daemon
                          on that database, resuming its pieces.
  corrupt_database        a database full of garbage, a truncated one and one with garbage in
                          its middle pages: the daemon moves it aside (notice line, K torrent(s)
                          salvaged), keeps running and exits 0 on SIGTERM.
  disk_full               (root: tmpfs mounts) a torrent saving into a 4 MiB tmpfs goes to
                          `error` (No space left on device) while another one finishes; after a
                          remount to 64 MiB the daemon says "space available again" and the
                          first one completes, byte-identical.
  read_only_data_dir      (root: tmpfs mounts) a read-only tmpfs: `daemon --db` there,
                          `daemon --data-dir` there and `download -d` below it fail with an exit
                          code and exactly one stderr line.
  rate_limits             `download --download-limit 1024` and a seeder's `--upload-limit 512`:
                          the transfer takes at least 0.85 x (size - 64 KiB) / limit seconds and
                          the files are byte-identical.
  queue_limits            three torrents, `daemon --max-active-downloads 1`: never two of them
                          downloading/checking at once, some `queued` line, all three seed in
                          the end.

Everything runs on 127.0.0.1 with free ports, a temp dir per case and its own --data-dir per
process; it reuses test_swarm.py's helpers (Proc, Tracker, payloads). Every child is stopped by
PID in a finally block (SIGTERM, then SIGKILL); mounts are unmounted in a finally block; on a
failure the tail of every child's stdout/stderr is printed. Standard library only.
Exit status: 0 all passed, 1 a case failed, 77 all run cases skipped, 2 bad usage.
Set LT_LIFECYCLE_KEEP=1 to keep each case's work dir; LT_CRASH_SEED=N changes the random seed of
the kill moments in crash_kill9.
"""

import glob
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_swarm as sw  # noqa: E402
from integration_common import Fail, Skip, check, eq, free_port, log  # noqa: E402
from test_swarm import (  # noqa: E402
    Proc, Tracker, assert_same_tree, client_args, make_payload, make_torrent, run_cli,
    stderr_lines, wait_for)

SKIP = 77
KiB = 1024
MiB = 1024 * 1024
PIECE = 262144

START_TIMEOUT = 20.0       # a daemon's "listening for peers" line
STATE_DEADLINE = 60.0      # a torrent reaches a state (checks and small transfers included)
TRANSFER_DEADLINE = 120.0  # a whole download on loopback (rate-limited ones included)
CLI_TIMEOUT = 30.0         # a refusal that should be quick

STATES = ("checking", "downloading", "seeding", "paused", "stopped", "error", "queued",
          "missing files")
STATE_CODES = {"checking": 0, "downloading": 1, "seeding": 2, "paused": 3, "stopped": 4,
               "error": 5, "queued": 6, "missing files": 8}
IN_USE_RE = re.compile(r"^liketorrent: the database (.+) is in use by another Like-Torrent "
                       r"process \(pid (\d+)\)$")
MOVED_RE = re.compile(r"the database (\S+) was unreadable \((.*?)\); moved it aside to (\S+) "
                      r"and started a fresh one; (\d+) torrent\(s\) salvaged", re.S)
RESUMED_RE = re.compile(r"resumed (\d+) of (\d+) pieces from the database without a recheck")
CHANGED_MSG = "files changed since the database recorded them: checking"
PIECES_RE = re.compile(r" pieces (\d+)/(\d+) ")
PERCENT_RE = re.compile(r"^\S+: downloading +([0-9.]+)%")


# ---------------------------------------------------------------------------------------------
# Helpers: state lines, daemons, the database


def state_lines(text, names):
    """[(name, state, line)] for every "NAME: STATE ..." line of text, in order."""
    out = []
    for line in text.splitlines():
        for name in names:
            if not line.startswith(name + ": "):
                continue
            rest = line[len(name) + 2:]
            for state in STATES:
                if rest.startswith(state) and rest[len(state):len(state) + 1] in ("", " ", ":"):
                    out.append((name, state, line))
                    break
            break
    return out


def last_states(text, names):
    out = {}
    for name, state, _ in state_lines(text, names):
        out[name] = state
    return out


def first_line(text, name, state):
    for n, s, line in state_lines(text, [name]):
        if s == state:
            return line
    return None


def pieces_of(line):
    m = PIECES_RE.search(line or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def wait_state(proc, name, state, deadline=STATE_DEADLINE, procs=()):
    """Waits for a "NAME: STATE" line on proc's stderr; returns it."""
    return wait_for(f"{proc.tag}: '{name}: {state}'",
                    lambda: first_line(proc.stderr(), name, state), deadline, interval=0.1,
                    procs=[proc] + list(procs))


def start_daemon(procs, tag, db, extra=(), verbose=False):
    """A daemon on db with a free port; returns once it listens."""
    args = ["--data-dir", os.path.join(procs.work, f"{tag}-data")]
    if verbose:
        args.append("-v")
    args += ["daemon", "--db", db, "--port", str(free_port())] + list(extra)
    p = Proc(procs, tag, args)
    wait_for(f"{tag}'s listening line", lambda: "listening for peers on port" in p.stderr(),
             START_TIMEOUT, procs=[p])
    return p


def cli(procs, tag, args, timeout=CLI_TIMEOUT):
    """run_cli with its own --data-dir."""
    return run_cli(procs, ["--data-dir", os.path.join(procs.work, f"{tag}-data")] + list(args),
                   timeout=timeout)


def add(procs, torrent, save_dir, db, extra=(), expect_rc=0):
    rc, so, se, _ = cli(procs, "add", ["add", torrent, "-d", save_dir, "--db", db] + list(extra))
    log(f"add {os.path.basename(torrent)} {' '.join(extra)}: rc={rc} stdout={so.strip()!r} "
        f"stderr={se.strip()!r}")
    eq(rc, expect_rc, f"exit code of `add {os.path.basename(torrent)} {' '.join(extra)}` "
                      f"(stderr {se.strip()!r})")
    return so, se


def query_copy(db_path, query):
    """Runs query(connection) on a copy of the database (with its -wal) and returns the result:
    the original is only read, even while a process may still hold it."""
    tmp = tempfile.mkdtemp(prefix="lt-dbcopy-")
    try:
        copy = os.path.join(tmp, "copy.db")
        shutil.copyfile(db_path, copy)
        if os.path.exists(db_path + "-wal"):
            shutil.copyfile(db_path + "-wal", copy + "-wal")
        con = sqlite3.connect(copy)
        try:
            return query(con)
        finally:
            con.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_torrents(db_path):
    """{name: {info_hash, state, uploaded, downloaded, last_error}} from a copy of the database."""
    check(os.path.exists(db_path), f"no database at {db_path}")

    def query(con):
        cols = [r[1] for r in con.execute("PRAGMA table_info(torrents)")]
        for need in ("info_hash", "name", "state", "uploaded", "downloaded", "last_error"):
            check(need in cols, f"{db_path}: table torrents has no column {need} ({cols})")
        return con.execute("SELECT info_hash, name, state, uploaded, downloaded, last_error "
                           "FROM torrents").fetchall()

    out = {}
    for ih, name, state, up, down, err in query_copy(db_path, query):
        out[name] = {"info_hash": bytes(ih).hex() if ih is not None else None, "state": state,
                     "uploaded": up, "downloaded": down, "last_error": err}
    return out


def check_db_states(db, expected, what):
    rows = read_torrents(db)
    log(f"{what}: {db}: " + ", ".join(f"{n} state {r['state']} up {r['uploaded']} down "
                                      f"{r['downloaded']}" for n, r in sorted(rows.items())))
    got = {n: rows[n]["state"] if n in rows else None for n in expected}
    eq(got, expected, f"{what}: states in the database (0 checking, 1 downloading, 2 seeding, "
                      f"3 paused, 4 stopped, 5 error, 6 queued, 8 missing files)")
    return rows


def seed_proc(procs, tag, torrent, parent, extra=()):
    return Proc(procs, tag, client_args(procs, tag, "seed", torrent, parent, free_port(),
                                        verbose=False, extra=extra))


def payload_torrent(procs, tracker, parent, name, layout, seed, piece_size=PIECE):
    root = os.path.join(parent, name)
    total = make_payload(root, layout, seed=seed)
    torrent, info = make_torrent(procs, root, tracker.announce_url if tracker else
                                 f"http://127.0.0.1:{free_port()}/announce", piece_size)
    log(f"torrent {name}: {total} bytes, {info['num_pieces']} pieces of {piece_size}, "
        f"{len(info['files'])} files")
    return root, torrent, info, total


def wait_seeding(tracker, info, proc):
    tracker.wait_scrape(bytes.fromhex(info["info_hash"]), lambda s: s[0] >= 1,
                        f"the seeder of {info['name']} in the scrape", procs=[proc])


# ---------------------------------------------------------------------------------------------
# Mounts (root only)


def try_mount(target, options):
    os.makedirs(target, exist_ok=True)
    try:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", target],
                           capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{e}"
    if r.returncode != 0:
        return f"rc={r.returncode}: {r.stderr.decode(errors='replace').strip()}"
    return None


def mount_or_skip(target, options):
    why = None if os.geteuid() == 0 else "not running as root"
    if why is None:
        why = try_mount(target, options)
    if why is not None:
        line = f"SKIPPED: cannot mount -t tmpfs -o {options} tmpfs {target} ({why})"
        print("*" * len(line) + "\n" + line + "\n" + "*" * len(line), flush=True)
        raise Skip(why)
    log(f"mounted tmpfs ({options}) on {target}")


def umount(target):
    for args in (["umount", target], ["umount", "-l", target]):
        try:
            r = subprocess.run(args, capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as e:
            log(f"(cleanup: {' '.join(args)}: {e})")
            continue
        if r.returncode == 0:
            log(f"{' '.join(args)}: done")
            return
        log(f"(cleanup: {' '.join(args)}: rc={r.returncode} "
            f"{r.stderr.decode(errors='replace').strip()})")


# ---------------------------------------------------------------------------------------------
# Case: kill -9 five times, then finish


CRASH_KILLS = 5
CRASH_SEED = 20241125
CRASH_UPLOAD_KIB = 3072
# Runs 2 and 4 live past their first database record (written 5 s after the engine starts):
# they are killed 6 s later than the others, so restarts see both a database without a record
# (check everything) and a record older than the files (check, "files changed").
CRASH_LATE_RUNS = (2, 4)
CRASH_LATE_EXTRA = 6.0
# About 96 MiB: a killed run gets about 3.3 MiB/s x its time, so the five kills take 60 to 80
# MiB and the sixth run still has pieces to fetch (with the brief's 24 MiB and no late runs,
# the fifth run completed before its kill).
CRASH_LAYOUT = [
    ("one-odd.bin", 3 * MiB + 17),
    ("sub/two-odd.bin", 23 * MiB + 4099),
    ("sub/tiny-13.bin", 13),
    ("sub/deeper/three.bin", 17 * MiB - 77),
    ("sub/deeper/four.bin", 29 * MiB + 5),
    ("z-last.bin", 24 * MiB + 12345),
]


def recorded_pieces(db_path, info_hash_hex):
    """Pieces the database records for a torrent (0 without a record); read from a copy."""
    if not os.path.exists(db_path):
        return 0

    def query(con):
        cols = [r[1] for r in con.execute("PRAGMA table_info(pieces)")]
        check({"info_hash", "have"} <= set(cols), f"{db_path}: table pieces has {cols}")
        return con.execute("SELECT have FROM pieces WHERE info_hash = ?",
                           (bytes.fromhex(info_hash_hex),)).fetchone()

    row = query_copy(db_path, query)
    return sum(bin(b).count("1") for b in bytes(row[0])) if row and row[0] else 0


def case_crash_kill9(procs):
    work = procs.work
    seed = int(os.environ.get("LT_CRASH_SEED", CRASH_SEED))
    rng = random.Random(seed)
    log(f"random seed of the kill moments: {seed} (LT_CRASH_SEED)")
    tracker = Tracker(procs).start()
    src = os.path.join(work, "seed")
    root, torrent, info, total = payload_torrent(procs, tracker, src, "crashpay", CRASH_LAYOUT, 11)
    name = info["name"]
    seeder_db = os.path.join(work, "seeder.db")
    seeder = seed_proc(procs, "seeder", torrent, src,
                       ["--db", seeder_db, "--upload-limit", str(CRASH_UPLOAD_KIB)])
    wait_seeding(tracker, info, seeder)

    save = os.path.join(work, "leecher")
    db = os.path.join(work, "leecher.db")
    runs = []
    final = None
    for n in range(1, CRASH_KILLS + 2):
        tag = f"leecher-run{n}"
        p = Proc(procs, tag, client_args(procs, tag, "download", torrent, save, free_port(),
                                         verbose=True, extra=["--db", db]))
        if n > CRASH_KILLS:
            final = p
            break
        wait_for(f"{tag}'s first downloading line",
                 lambda: first_line(p.stderr(), name, "downloading"), STATE_DEADLINE,
                 interval=0.02, procs=[p])
        delay = rng.uniform(0.8, 2.5) + (CRASH_LATE_EXTRA if n in CRASH_LATE_RUNS else 0.0)
        end = time.monotonic() + delay
        while time.monotonic() < end:
            check(p.alive(), f"{tag} exited (rc={p.rc()}) before its kill {delay:.2f} s after "
                             f"its first downloading line: the payload is too small for the "
                             f"kill timing")
            time.sleep(0.01)
        rc, _ = p.terminate(sig=signal.SIGKILL)
        eq(rc, -signal.SIGKILL, f"{tag}'s exit status after SIGKILL")
        runs.append({"tag": tag, "delay": delay, "text": p.stderr(),
                     "seconds": time.monotonic() - p.started,
                     "recorded": recorded_pieces(db, info["info_hash"])})

    rc = final.wait_exit(TRANSFER_DEADLINE)
    runs.append({"tag": final.tag, "delay": None, "text": final.stderr(),
                 "seconds": time.monotonic() - final.started, "recorded": None})
    eq(rc, 0, f"{final.tag} (after {CRASH_KILLS} kills) exit code (stderr tail "
              f"{final.stderr().strip()[-300:]!r})")
    assert_same_tree(root, os.path.join(save, name), f"leecher after {CRASH_KILLS} kills")

    # How each run began: resumed from the database, or checked the files.
    problems = []
    for i, r in enumerate(runs):
        text = r["text"]
        m = RESUMED_RE.search(text)
        if m:
            how = f"resumed {m.group(1)}/{m.group(2)} without a recheck"
        elif CHANGED_MSG in text:
            how = "files changed since the record: checked"
        elif first_line(text, name, "checking"):
            how = "checked (no record in the database)"
        elif i == 0:
            how = "fresh start"
        else:
            how = "neither resumed nor checked"
        first = pieces_of(first_line(text, name, "downloading"))
        shown = [pieces_of(line)[0] for _, s, line in state_lines(text, [name])
                 if s in ("downloading", "seeding") and pieces_of(line)]
        r.update(how=how, first=first[0] if first else None, last=shown[-1] if shown else None)
        end = (f"killed {r['delay']:.2f} s after its first downloading line, database then "
               f"recording {r['recorded']} pieces" if r["delay"] is not None else "completed")
        log(f"{r['tag']}: {how}; first downloading line {first}; last shown pieces "
            f"{r['last']}; {end}; ran {r['seconds']:.1f} s")
        if i == 0:
            continue
        before = runs[i - 1]
        if before["recorded"]:
            if not (m or CHANGED_MSG in text):
                problems.append(f"{r['tag']}: the database recorded {before['recorded']} pieces "
                                f"but the run neither resumed them nor said the files changed "
                                f"({how})")
        elif how == "neither resumed nor checked":
            problems.append(f"{r['tag']} did not check the files the killed run left")
        floor = max(before["last"] or 0, before["recorded"] or 0)
        if r["first"] is None or r["first"] < floor:
            problems.append(f"{r['tag']} started at {r['first']} pieces although the run "
                            f"before it had shown {before['last']} and the database recorded "
                            f"{before['recorded']}")
    for r in runs[:-1]:
        late = r["delay"] >= CRASH_LATE_EXTRA + 0.8
        if late and not r["recorded"]:
            problems.append(f"{r['tag']} ran {r['seconds']:.1f} s but the database recorded no "
                            f"pieces (documented: every 5 s)")
    check(not problems, f"{len(problems)} problem(s):\n  - " + "\n  - ".join(problems))

    seeder.stop_ok()
    rows = read_torrents(seeder_db)
    check(name in rows, f"{seeder_db} has no row for {name}: {list(rows)}")
    uploaded = rows[name]["uploaded"]
    twice = uploaded - total
    bound = CRASH_KILLS * (CRASH_UPLOAD_KIB * KiB * 6 + 8 * PIECE)
    log(f"seeder uploaded {uploaded} bytes for a {total}-byte payload: {twice} bytes sent twice "
        f"({twice / MiB:.2f} MiB), {twice / CRASH_KILLS / MiB:.2f} MiB per kill "
        f"(bound {bound / MiB:.1f} MiB for {CRASH_KILLS} kills)")
    log(f"leecher.db: downloaded {read_torrents(db).get(name, {}).get('downloaded')} bytes "
        f"over all runs (killed runs count only up to their last record)")
    check(uploaded >= total, f"the seeder recorded {uploaded} bytes uploaded, less than the "
                             f"{total}-byte payload it alone served")
    check(twice <= bound, f"{twice} bytes were downloaded twice over {CRASH_KILLS} kills, more "
                          f"than the bound {bound}")
    tracker.proc.stop_ok()


# ---------------------------------------------------------------------------------------------
# Case: the daemon keeps the stored states across restarts


def case_daemon_restart_states(procs):
    work = procs.work
    tracker = Tracker(procs).start()
    src = os.path.join(work, "src")
    a_root, a_tor, a_info, a_total = payload_torrent(
        procs, tracker, src, "alpha", [("a1.bin", 5 * MiB + 3), ("d/a2.bin", 7 * MiB - 5),
                                       ("d/a3.bin", 1001)], 21)
    b_root, b_tor, b_info, _ = payload_torrent(
        procs, tracker, src, "bravo", [("b1.bin", MiB + 1), ("b2.bin", 333)], 22)
    c_root, c_tor, c_info, _ = payload_torrent(
        procs, tracker, src, "charlie", [("c1.bin", 2 * MiB + 9), ("e/c2.bin", 77777)], 23)
    d_root, d_tor, d_info, _ = payload_torrent(procs, tracker, src, "delta", [("d.bin", 4321)], 24)
    names = ["alpha", "bravo", "charlie"]
    # Seeders for alpha and bravo: a daemon that wrongly ran them would download them.
    a_seed = seed_proc(procs, "seeder-alpha", a_tor, src, ["--upload-limit", "1024"])
    b_seed = seed_proc(procs, "seeder-bravo", b_tor, src)
    wait_seeding(tracker, a_info, a_seed)
    wait_seeding(tracker, b_info, b_seed)

    db = os.path.join(work, "client.db")
    dl = os.path.join(work, "downloads")
    so, _ = add(procs, a_tor, dl, db, ["--paused"])
    check(re.search(r"^added alpha \([0-9a-f]{40}\) to .*: paused$", so.strip()) is not None,
          f"add --paused said {so.strip()!r}")
    so, _ = add(procs, b_tor, dl, db, ["--stopped"])
    check(so.strip().endswith(": stopped"), f"add --stopped said {so.strip()!r}")
    so, _ = add(procs, c_tor, src, db)
    check(so.strip().endswith(": queued"), f"add said {so.strip()!r}")
    _, se = add(procs, c_tor, src, db, expect_rc=2)
    eq(len(stderr_lines(se)), 1, f"stderr lines of a second `add charlie` ({se!r})")

    expected_shown = {"alpha": "paused", "bravo": "stopped", "charlie": "seeding"}
    expected_db = {n: STATE_CODES[s] for n, s in expected_shown.items()}  # 3, 4, 2

    def run_daemon(tag, refusals):
        d = start_daemon(procs, tag, db)
        wait_state(d, "charlie", "seeding", procs=[a_seed, b_seed])
        wait_for(f"{tag}: alpha paused and bravo stopped",
                 lambda: {k: v for k, v in last_states(d.stderr(), names).items()
                          if k != "charlie"} == {"alpha": "paused", "bravo": "stopped"},
                 10, procs=[d])
        if refusals:
            rc, so, se, took = cli(procs, "add-while-running", ["add", d_tor, "-d", dl, "--db", db])
            log(f"`add delta` while {tag} (pid {d.pid}) runs: rc={rc} in {took:.2f} s, stderr "
                f"{se.strip()!r}")
            eq(rc, 1, f"exit code of `add` while the daemon holds the database (stderr "
                      f"{se.strip()!r})")
            check(f"(pid {d.pid})" in se and "in use by another Like-Torrent process" in se,
                  f"`add` refusal does not name the daemon's pid {d.pid}: {se.strip()!r}")
            rc, so, se, took = cli(procs, "daemon-second",
                                   ["daemon", "--db", db, "--port", str(free_port())])
            lines = stderr_lines(se)
            log(f"second daemon: rc={rc} in {took:.2f} s, stderr {lines!r}")
            eq(rc, 1, f"exit code of a second daemon on the same database (stderr {lines!r})")
            eq(len(lines), 1, f"stderr lines of the second daemon ({lines!r})")
            m = IN_USE_RE.match(lines[0])
            check(m is not None, f"the second daemon's line is {lines[0]!r}")
            eq((m.group(1), int(m.group(2))), (db, d.pid),
               "database and pid named by the second daemon")
        time.sleep(3)  # paused and stopped must stay so
        text = d.stderr()
        shown = last_states(text, names)
        log(f"{tag} state lines: {[l for _, _, l in state_lines(text, names)]}")
        eq(shown, expected_shown, f"{tag}: last state shown per torrent")
        for n in ("alpha", "bravo"):
            bad = [l for x, s, l in state_lines(text, [n]) if s not in (expected_shown[n],)]
            check(not bad, f"{tag}: {n} showed other states: {bad}")
        check(d.alive(), f"{tag} exited (rc={d.rc()})")
        d.stop_ok()
        check_db_states(db, expected_db, f"after {tag}")
        return text

    first = run_daemon("daemon1", refusals=True)
    check(first_line(first, "charlie", "checking") is not None,
          "daemon1 did not check charlie's data before seeding it (no 'charlie: checking' line)")
    rows = read_torrents(db)
    check("delta" not in rows, "the refused `add delta` reached the database anyway")
    second = run_daemon("daemon2", refusals=False)
    rechecks = [l for n, s, l in state_lines(second, ["charlie"]) if s == "checking"]
    check(not rechecks, f"daemon2 checked charlie again although its files did not change "
                        f"since daemon1 seeded it: {rechecks}")
    rows = read_torrents(db)
    eq((rows["alpha"]["downloaded"], rows["bravo"]["downloaded"]), (0, 0),
       "bytes downloaded by the paused and the stopped torrent")

    # Part 3: a download stopped half-way, finished by the daemon.
    db2 = os.path.join(work, "client2.db")
    dl2 = os.path.join(work, "downloads2")
    leecher = Proc(procs, "leecher-alpha", client_args(procs, "leecher-alpha", "download", a_tor,
                                                       dl2, free_port(), verbose=False,
                                                       extra=["--db", db2]))

    def half():
        for line in leecher.stderr().splitlines():
            m = PERCENT_RE.match(line)
            if m and line.startswith("alpha: ") and float(m.group(1)) >= 30:
                return line
        return None

    line = wait_for("the alpha download to be about half done", half, 40, interval=0.1,
                    procs=[leecher])
    rc, _ = leecher.terminate()
    log(f"SIGTERM at: {line!r}")
    eq(rc, 1, f"exit code of the unfinished download after SIGTERM (stderr tail "
              f"{leecher.stderr().strip()[-300:]!r})")
    at = pieces_of(line)
    try:
        log(f"{db2} after the SIGTERM: {read_torrents(db2)}")
    except Fail as e:
        log(f"({db2}: {e})")
    t0 = time.monotonic()
    d3 = start_daemon(procs, "daemon3", db2, verbose=True)
    wait_state(d3, "alpha", "seeding", deadline=TRANSFER_DEADLINE, procs=[a_seed])
    text = d3.stderr()
    log(f"daemon3: alpha seeding after {time.monotonic() - t0:.1f} s; state lines "
        f"{[l for _, _, l in state_lines(text, ['alpha'])]}")
    m = RESUMED_RE.search(text)
    log(f"daemon3: {m.group(0) if m else 'no resumed line'}")
    check(m is not None and int(m.group(1)) > 0,
          "daemon3 did not resume alpha's pieces from the database (no 'resumed N of M pieces' "
          "line with N > 0)")
    first_dl = first_line(text, "alpha", "downloading")
    check(first_dl is None or pieces_of(first_dl)[0] > 0,
          f"daemon3 started alpha's download from zero: {first_dl!r}")
    check(at is None or int(m.group(1)) >= at[0],
          f"daemon3 resumed {m.group(1)} pieces, fewer than the {at[0]} the download had shown")
    assert_same_tree(a_root, os.path.join(dl2, "alpha"), "alpha finished by daemon3")
    d3.stop_ok()
    rows = check_db_states(db2, {"alpha": STATE_CODES["seeding"]}, "after daemon3")
    check(rows["alpha"]["downloaded"] >= a_total,
          f"{db2} records {rows['alpha']['downloaded']} bytes downloaded over both sessions, less "
          f"than alpha's {a_total} bytes")
    a_seed.stop_ok()
    b_seed.stop_ok()
    tracker.proc.stop_ok()


# ---------------------------------------------------------------------------------------------
# Case: a corrupt database is moved aside


def expect_moved_aside(procs, tag, db, problems, expect_salvaged=None):
    """Runs a daemon on a damaged db for a few seconds; returns the salvaged count. What is
    wrong with the notice is appended to problems."""
    damaged = open(db, "rb").read()
    d = start_daemon(procs, tag, db)
    time.sleep(3)
    check(d.alive(), f"{tag} exited (rc={d.rc()}) on a damaged database")
    d.stop_ok()
    text = d.stderr()
    m = MOVED_RE.search(text)
    if m is None:
        raise Fail(f"{tag}: no moved-aside notice: the daemon used the damaged database "
                   f"{db} as it was (stderr {stderr_lines(text)[:8]!r})")
    notice = m.group(0)
    log(f"{tag}: notice {notice!r}")
    eq(m.group(1), db, f"{tag}: database named in the notice")
    aside = m.group(3)
    check(aside.startswith(db + ".corrupt-"), f"{tag}: moved aside to {aside!r}")
    check(os.path.exists(aside), f"{tag}: {aside} does not exist")
    with open(aside, "rb") as f:
        check(f.read() == damaged, f"{tag}: {aside} is not the damaged file")
    if "\n" in notice:
        problems.append(f"{tag}: the moved-aside notice spans {notice.count(chr(10)) + 1} lines "
                        f"(the reason carries sqlite's multi-line integrity_check output): "
                        f"{notice!r}")
    salvaged = int(m.group(4))
    rows = read_torrents(db)
    log(f"{tag}: {salvaged} torrent(s) salvaged; the fresh database holds {sorted(rows)} "
        f"(states {[r['state'] for r in rows.values()]})")
    eq(len(rows), salvaged, f"{tag}: torrents in the fresh database vs the salvaged count")
    if expect_salvaged is not None:
        eq(salvaged, expect_salvaged, f"{tag}: torrents salvaged")
    return salvaged


def sqlite_verdict(path):
    """What sqlite itself says about a database file (on a copy)."""
    tmp = tempfile.mkdtemp(prefix="lt-dbcheck-")
    try:
        copy = os.path.join(tmp, "c.db")
        shutil.copyfile(path, copy)
        con = sqlite3.connect(copy)
        try:
            res = con.execute("PRAGMA integrity_check").fetchall()
            n = con.execute("SELECT count(*) FROM torrents").fetchone()[0]
            return f"integrity_check {res[:3]}, {n} torrent rows readable"
        except sqlite3.Error as e:
            return f"sqlite error: {e}"
        finally:
            con.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def case_corrupt_database(procs):
    work = procs.work
    problems = []
    # Part 1: garbage.
    garbage_db = os.path.join(work, "garbage.db")
    with open(garbage_db, "wb") as f:
        f.write(random.Random(31).randbytes(100_000))
    expect_moved_aside(procs, "daemon-garbage", garbage_db, problems, expect_salvaged=0)

    # Part 2: a real database with two torrents, then damaged two ways.
    src = os.path.join(work, "src")
    torrents = []
    for i, name in enumerate(("one", "two")):
        # 16 KiB pieces: 20 bytes of hash per piece make the .torrent blobs span many pages.
        _, tor, _, _ = payload_torrent(procs, None, src, name, [(f"{name}.bin", 6 * MiB + i)],
                                       32 + i, piece_size=16384)
        torrents.append(tor)
    good = os.path.join(work, "good.db")
    add(procs, torrents[0], os.path.join(work, "dl"), good)
    add(procs, torrents[1], os.path.join(work, "dl"), good, ["--stopped"])
    leftovers = [p for p in glob.glob(good + "-*") if os.path.getsize(p) > 0]
    with open(good, "rb") as f:
        data = f.read()
    page = 4096
    pages = len(data) // page
    log(f"{good}: {len(data)} bytes ({pages} pages of {page}), non-empty side files "
        f"{leftovers}; sqlite: {sqlite_verdict(good)}")
    check(not any(p.endswith("-wal") for p in leftovers),
          f"`add` left a non-empty WAL file ({leftovers}): damaging the main file would test "
          f"nothing")
    eq(sorted(read_torrents(good)), ["one", "two"], "torrents in the database written by `add`")

    cut = int(len(data) * 0.6)
    lo, hi = max(1, pages // 3), max(2, (2 * pages) // 3)
    mangled = bytearray(data)
    mangled[lo * page:hi * page] = random.Random(33).randbytes((hi - lo) * page)
    results = []
    for tag, damaged, how in (
            ("daemon-truncated", data[:cut], f"truncated to 60% ({cut} of {len(data)} bytes)"),
            ("daemon-middle", bytes(mangled), f"pages {lo}..{hi - 1} (from 0) of {pages} "
                                              f"overwritten with random bytes"),
            # `add` appends each torrent's row: the last page holds the second one's.
            ("daemon-lastpage", data[:(pages - 1) * page] + random.Random(34).randbytes(page),
             f"the last page ({pages - 1} from 0) overwritten with random bytes")):
        path = os.path.join(work, tag.split("-")[1] + ".db")
        with open(path, "wb") as f:
            f.write(damaged)
        log(f"{path}: {how}; sqlite says: {sqlite_verdict(path)}")
        salvaged = expect_moved_aside(procs, tag, path, problems)
        check(0 <= salvaged <= 2, f"{tag}: salvaged {salvaged} of 2 torrents")
        results.append(f"{how}: {salvaged} of 2 salvaged")
    log("damaged databases: " + "; ".join(results))
    check(not problems, f"{len(problems)} problem(s):\n  - " + "\n  - ".join(problems))


# ---------------------------------------------------------------------------------------------
# Case: a full disk stops one torrent, not the daemon


def case_disk_full(procs):
    work = procs.work
    small = os.path.join(work, "tmpfs")
    mount_or_skip(small, "size=4m")
    try:
        tracker = Tracker(procs).start()
        src = os.path.join(work, "src")
        x_root, x_tor, x_info, _ = payload_torrent(
            procs, tracker, src, "xbig", [("x1.bin", 7 * MiB + 5), ("sub/x2.bin", 5 * MiB - 3)],
            41)
        y_root, y_tor, y_info, _ = payload_torrent(
            procs, tracker, src, "ysmall", [("y1.bin", 4 * MiB + 1), ("y2.bin", 2 * MiB - 1)], 42)
        xs = seed_proc(procs, "seeder-x", x_tor, src)
        ys = seed_proc(procs, "seeder-y", y_tor, src)
        wait_seeding(tracker, x_info, xs)
        wait_seeding(tracker, y_info, ys)
        db = os.path.join(work, "client.db")
        normal = os.path.join(work, "normal")
        add(procs, x_tor, small, db)
        add(procs, y_tor, normal, db)
        d = start_daemon(procs, "daemon", db, verbose=True)  # -v: the post-mortem
        names = ["xbig", "ysmall"]
        err = wait_state(d, "xbig", "error", procs=[xs, ys])
        log(f"xbig's error line: {err!r}")
        check("No space left on device" in err, f"xbig's error line does not say 'No space left "
                                                f"on device': {err!r}")
        wait_state(d, "ysmall", "seeding", procs=[xs, ys])
        time.sleep(2)
        check(d.alive(), f"the daemon exited (rc={d.rc()}) with one torrent out of space")
        eq(last_states(d.stderr(), names).get("xbig"), "error", "xbig's state before the remount")
        assert_same_tree(y_root, os.path.join(normal, "ysmall"), "ysmall next to the full disk")
        log(f"df of the tmpfs: {shutil.disk_usage(small)}")

        r = subprocess.run(["mount", "-o", "remount,size=64m", small], capture_output=True,
                           timeout=30)
        eq(r.returncode, 0, f"remount,size=64m ({r.stderr.decode(errors='replace').strip()})")
        t0 = time.monotonic()
        line = wait_for("'space available again'",
                        lambda: next((l for l in stderr_lines(d.stderr())
                                      if l.startswith("space available again")), None), 30,
                        interval=0.2, procs=[d])
        log(f"{time.monotonic() - t0:.1f} s after the remount: {line!r}")
        check(small in line, f"the notice does not name {small}: {line!r}")
        pos = d.stderr().index(line)
        wait_for("xbig to seed after the remount",
                 lambda: first_line(d.stderr()[pos:], "xbig", "seeding"), STATE_DEADLINE,
                 procs=[d, xs])
        log(f"xbig seeding {time.monotonic() - t0:.1f} s after the remount")
        assert_same_tree(x_root, os.path.join(small, "xbig"), "xbig after the remount")
        d.stop_ok()
        check_db_states(db, {"xbig": STATE_CODES["seeding"], "ysmall": STATE_CODES["seeding"]},
                        "after the daemon")
        xs.stop_ok()
        ys.stop_ok()
        tracker.proc.stop_ok()
    finally:
        procs.stop_all()  # nothing may keep files open in the mount
        umount(small)


# ---------------------------------------------------------------------------------------------
# Case: a read-only data dir


def case_read_only_data_dir(procs):
    work = procs.work
    ro = os.path.join(work, "ro")
    mount_or_skip(ro, "ro,size=1m")
    try:
        check(not os.access(ro, os.W_OK) or _write_fails(ro), f"{ro} is writable after mount ro")
        problems = []
        root = os.path.join(work, "src", "rodata")
        make_payload(root, [("r.bin", 100_003)], seed=51)
        torrent, _ = make_torrent(procs, root, f"http://127.0.0.1:{free_port()}/announce",
                                  piece_size=16384)
        db = os.path.join(ro, "client.db")
        for what, args, codes, names in (
                ("daemon --db RO/client.db", ["daemon", "--db", db, "--port", str(free_port())],
                 (1,), (db, ro)),
                ("daemon --data-dir RO", ["--data-dir", ro, "daemon", "--port",
                                          str(free_port())], (1,), (ro,)),
                ("download -d RO/sub", ["download", torrent, "-d", os.path.join(ro, "sub"),
                                        "--port", str(free_port())], (2,), (ro,))):
            full = args if args[0] == "--data-dir" else \
                ["--data-dir", os.path.join(work, "cli-data")] + args
            rc, so, se, took = run_cli(procs, full, timeout=CLI_TIMEOUT)
            lines = stderr_lines(se)
            log(f"{what}: rc={rc} in {took:.2f} s, stderr {lines!r}")
            if rc not in codes:
                problems.append(f"{what}: exit code {rc}, expected {codes} (stderr {lines!r})")
            if len(lines) != 1:
                problems.append(f"{what}: {len(lines)} stderr lines, expected 1 ({lines!r})")
            elif not any(n in lines[0] for n in names):
                problems.append(f"{what}: the line does not name {names[0]}: {lines[0]!r}")
        check(os.listdir(ro) == [], f"files appeared in the read-only mount: {os.listdir(ro)}")
        check(not problems, f"{len(problems)} problem(s):\n  - " + "\n  - ".join(problems))
    finally:
        procs.stop_all()
        umount(ro)


def _write_fails(d):
    try:
        with open(os.path.join(d, ".probe"), "wb"):
            pass
    except OSError:
        return True
    return False


# ---------------------------------------------------------------------------------------------
# Case: rate limits


def timed_download(procs, tag, torrent, save, extra=()):
    """Runs a download to its end; returns (seconds from start to exit, seconds from the first
    peer connection (a -v line) to exit, or None)."""
    p = Proc(procs, tag, client_args(procs, tag, "download", torrent, save, free_port(),
                                     verbose=True, extra=extra))
    connected = None
    end = p.started + TRANSFER_DEADLINE
    while p.alive():
        if connected is None and "): connected" in p.stderr():
            connected = time.monotonic()
        check(time.monotonic() < end, f"{tag} did not finish within {TRANSFER_DEADLINE:.0f} s")
        time.sleep(0.02)
    done = time.monotonic()
    rc = p.wait_exit(10)
    eq(rc, 0, f"{tag} exit code (stderr tail {p.stderr().strip()[-300:]!r})")
    return done - p.started, (done - connected) if connected is not None else None


def case_rate_limits(procs):
    work = procs.work
    tracker = Tracker(procs).start()
    src = os.path.join(work, "src")
    results = []

    # Download limit: 1024 KiB/s on the leecher, an unlimited seeder.
    d_root, d_tor, d_info, d_total = payload_torrent(
        procs, tracker, src, "ratedown", [("a.bin", 4 * MiB + 11), ("b/c.bin", 2 * MiB - 7)], 61)
    seeder = seed_proc(procs, "seeder-unlimited", d_tor, src)
    wait_seeding(tracker, d_info, seeder)
    took, data = timed_download(procs, "leecher-limited", d_tor, os.path.join(work, "down"),
                                ["--download-limit", "1024"])
    assert_same_tree(d_root, os.path.join(work, "down", "ratedown"), "download-limited leecher")
    results.append(("--download-limit 1024", d_total, took, data, 1024 * KiB))
    seeder.stop_ok()

    # Upload limit: 512 KiB/s on the seeder, an unlimited leecher.
    u_root, u_tor, u_info, u_total = payload_torrent(
        procs, tracker, src, "rateup", [("u.bin", 3 * MiB + 5), ("v.bin", 2 * MiB + 3)], 62)
    seeder = seed_proc(procs, "seeder-limited", u_tor, src, ["--upload-limit", "512"])
    wait_seeding(tracker, u_info, seeder)
    took, data = timed_download(procs, "leecher-unlimited", u_tor, os.path.join(work, "up"))
    assert_same_tree(u_root, os.path.join(work, "up", "rateup"), "leecher of an upload-limited "
                                                                 "seeder")
    results.append(("seeder --upload-limit 512", u_total, took, data, 512 * KiB))
    seeder.stop_ok()
    tracker.proc.stop_ok()

    problems = []
    for what, total, took, data, limit in results:
        floor = 0.85 * (total - 64 * KiB) / limit
        rate = total / took
        log(f"{what}: {total} bytes in {took:.2f} s (process start to exit) = "
            f"{rate / KiB:.0f} KiB/s, {100 * rate / limit:.0f}% of the {limit // KiB} KiB/s limit; "
            f"floor {floor:.2f} s")
        if data:
            log(f"{what}: from the first peer connection to the exit {data:.2f} s = "
                f"{total / data / KiB:.0f} KiB/s, {100 * total / data / limit:.0f}% of the limit")
        if took < floor:
            problems.append(f"{what}: {total} bytes in {took:.2f} s ({rate / KiB:.0f} KiB/s), "
                            f"faster than the floor {floor:.2f} s")
    check(not problems, "; ".join(problems))


# ---------------------------------------------------------------------------------------------
# Case: --max-active-downloads 1


def case_queue_limits(procs):
    work = procs.work
    tracker = Tracker(procs).start()
    src = os.path.join(work, "src")
    names = ["qone", "qtwo", "qthree"]
    made = []
    for i, name in enumerate(names):
        root, tor, info, _ = payload_torrent(
            procs, tracker, src, name, [(f"{name}-a.bin", 2 * MiB + 7 * i + 1),
                                        (f"{name}-b.bin", MiB - 3 * i - 1)], 71 + i)
        s = seed_proc(procs, f"seeder-{name}", tor, src, ["--upload-limit", "1024"])
        made.append((name, root, tor, info, s))
    for name, root, tor, info, s in made:
        wait_seeding(tracker, info, s)
    db = os.path.join(work, "client.db")
    dl = os.path.join(work, "downloads")
    for name, root, tor, info, s in made:
        add(procs, tor, dl, db)
    d = start_daemon(procs, "daemon", db, ["--max-active-downloads", "1"])
    seeders = [s for *_, s in made]

    # Poll the daemon's lines; the lines of one status batch arrive together, so the rule is
    # checked on what is shown after each poll, and an excess must last 0.5 s to count (a
    # batch is printed in info-hash order, not in the order things happened).
    active = ("downloading", "checking")
    seen = 0
    shown = {}
    over_since = None
    transient = []
    violations = []
    timeline = []
    waited = set()  # torrents shown queued while another one was downloading
    t0 = time.monotonic()
    end = t0 + TRANSFER_DEADLINE
    while True:
        text = d.stderr()
        now = time.monotonic()
        fresh = state_lines(text, names)[seen:]
        seen += len(fresh)
        for n, s, line in fresh:
            if shown.get(n) != s:
                timeline.append(f"{now - t0:6.2f} s {n}: {s}")
            shown[n] = s
        running = sorted(n for n, s in shown.items() if s in active)
        if running and any(s == "queued" for s in shown.values()):
            waited.add(tuple(sorted(n for n, s in shown.items() if s == "queued")))
        if len(running) > 1:
            if over_since is None:
                over_since = now
            elif now - over_since >= 0.5 and not violations:
                violations.append(f"{running} at once at {now - t0:.2f} s "
                                  f"(since {over_since - t0:.2f} s)")
        elif over_since is not None:
            transient.append(f"{now - over_since:.2f} s")
            over_since = None
        if all(shown.get(n) == "seeding" for n in names):
            break
        if not d.alive():
            raise Fail(f"the daemon exited (rc={d.rc()})")
        for s in seeders:
            if not s.alive():
                raise Fail(f"{s.tag} exited (rc={s.rc()})")
        if now > end:
            raise Fail(f"not all three torrents seed after {TRANSFER_DEADLINE:.0f} s: {shown}")
        time.sleep(0.02)
    log("timeline:\n    " + "\n    ".join(timeline))
    if transient:
        log(f"momentary excess while a batch was printed (ignored): {transient}")
    lines = state_lines(d.stderr(), names)
    queued = [l for _, s, l in lines if s == "queued"]
    order = []
    for n, s, _ in lines:
        if s == "downloading" and n not in order:
            order.append(n)
    log(f"{len(queued)} queued line(s); queued while another downloaded: {sorted(waited)}; "
        f"download order {order}; all three seeding after {time.monotonic() - t0:.1f} s")
    check(not violations, f"more than one torrent downloading with --max-active-downloads 1: "
                          f"{violations}")
    check(queued, "no 'queued' line although three torrents wanted one download slot")
    check(waited, "no torrent was shown queued while another one downloaded")
    eq(order, names, "order in which the torrents started downloading (their queue positions "
                     "from `add`)")
    for name, root, *_ in made:
        assert_same_tree(root, os.path.join(dl, name), name)
    d.stop_ok()
    check_db_states(db, {n: STATE_CODES["seeding"] for n in names}, "after the daemon")
    for s in seeders:
        s.stop_ok()
    tracker.proc.stop_ok()


# ---------------------------------------------------------------------------------------------

CASES = {
    "crash_kill9": case_crash_kill9,
    "daemon_restart_states": case_daemon_restart_states,
    "corrupt_database": case_corrupt_database,
    "disk_full": case_disk_full,
    "read_only_data_dir": case_read_only_data_dir,
    "rate_limits": case_rate_limits,
    "queue_limits": case_queue_limits,
}


def main(argv):
    return sw.run_main(argv, __doc__, CASES, {}, "lt-lifecycle", "LT_LIFECYCLE_KEEP")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
