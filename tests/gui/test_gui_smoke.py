#!/usr/bin/python3
"""GUI smoke test: the ImGui window under Xvfb downloads a torrent through the engine and shows it.

usage: test_gui_smoke.py LIKETORRENT [CASE ...]      (no CASE: run them all)
       test_gui_smoke.py --list

Cases:
  smoke   our tracker and a `seed` of a ~3 MiB multi-file torrent (64 KiB pieces), then
          `xvfb-run -a -s "-screen 0 1280x800x24" liketorrent --data-dir GUI_DATA gui T
          --port P --screenshot OUT.png --screenshot-after 8 --view pieces` with HOME and
          XDG_DOWNLOAD_DIR in the case's work dir. The GUI must exit 0 within 30 s and write the
          PNG; the files under XDG_DOWNLOAD_DIR/Like-Torrent/NAME are byte-identical to the
          source; the PNG (decoded here with zlib: 8-bit RGB or RGBA, filters 0-4) has many
          pixels of the piece map's "have" colour below 45% of its height and not one of the
          "missing" or "in flight" colours there.
          Then the GUI runs again on the same data dir without the torrent on the command line:
          it restores the torrent from the database as seeding (the second screenshot's piece map
          is all "have" colour too), and the CPU time of the liketorrent process (the child of
          our xvfb-run, found through /proc) between seconds 3 and 8 is logged as % of one core
          (sanity bound: < 25%; the < 1% target belongs to the benchmarks).
          Both PNGs are kept as artifacts in $LT_GUI_ARTIFACT_DIR (ctest sets it to the build
          dir of tests/gui; by hand the default is $TMPDIR/lt-gui-smoke) as gui-smoke.png and
          gui-smoke-restored.png.

Without xvfb-run (or xauth, which it needs) the case prints "!!! SKIPPED: xvfb-run not
installed" and the script exits 77. Everything runs on 127.0.0.1 with free ports and a temp dir;
every child (tracker, seeder, xvfb-run, and the Xvfb and liketorrent processes below it) is
stopped by PID in a finally block. Reuses tests/integration/test_swarm.py's helpers. Standard
library only. Exit status: 0 passed, 1 failed, 77 skipped, 2 bad usage.
Set LT_GUI_KEEP=1 to keep the work dir (child logs, GUI data dir) for a post-mortem.
"""

import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import test_swarm as sw  # noqa: E402
from integration_common import Fail, Skip, check, eq, free_port, log  # noqa: E402
from test_swarm import (  # noqa: E402
    Proc, Tracker, assert_same_tree, client_args, make_payload, make_torrent)

SCREEN_W, SCREEN_H = 1280, 800
SCREENSHOT_AFTER = 8.0     # --screenshot-after: the window runs this long, then writes the PNG
GUI_EXIT_DEADLINE = 30.0   # the GUI must have written the PNG and exited 0 by then
CPU_FROM, CPU_TO = 3.0, 7.5  # idle CPU window, seconds after xvfb-run started
CPU_SANITY_LIMIT = 25.0    # % of one core; the real target (< 1%) is the benchmarks' business
MIN_HAVE_PIXELS = 500      # a few hundred "have" pixels at least (48 cells of ~20 px squared)
REGION_TOP = 0.45          # the details panel (piece map) is below 45% of the window's height

# The piece map's colours, gui/src/main_view.cpp: kMissing(0.22, 0.24, 0.28),
# kInFlight(0.95, 0.75, 0.20), kHave(0.25, 0.70, 0.35), converted by ImGui's
# ColorConvertFloat4ToU32 as (int)(x * 255 + 0.5) in float arithmetic (0.70F * 255 rounds to
# 178.5F, hence 179). Confirmed on real screenshots: every cell of a complete torrent is exactly
# HAVE, and neither colour below occurs anywhere else in the dark theme's window.
HAVE = (64, 179, 89)
MISSING = (56, 61, 71)
IN_FLIGHT = (242, 191, 51)

LAYOUT = [
    ("readme.txt", 1234),
    ("a/odd-16385.bin", 16385),
    ("a/empty.bin", 0),
    ("a/b/one-mb-plus-5.bin", (1 << 20) + 5),
    ("a/b/c/big.bin", 2 * (1 << 20) - 40000),
    ("z/last-65537.bin", 65537),
]


# ---------------------------------------------------------------------------------------------
# PNG decoding (zlib + the five row filters), enough for stb_image_write's and most other PNGs


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _paeth(a, b, c):
    p = a + b - c
    pa = abs(p - a)
    pb = abs(p - b)
    pc = abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    if pb <= pc:
        return b
    return c


def decode_png(data):
    """Returns (width, height, channels, rows): rows is a list of bytes, width * channels bytes
    each, top row first. 8-bit truecolour (2) and truecolour with alpha (6), not interlaced."""
    check(data[:8] == PNG_SIGNATURE, "not a PNG (bad signature)")
    pos = 8
    ihdr = None
    idat = []
    seen_iend = False
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        check(len(body) == length and pos + 12 + length <= len(data),
              f"PNG chunk {ctype!r} runs past the end of the file")
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        check(zlib.crc32(ctype + body) & 0xFFFFFFFF == crc, f"PNG chunk {ctype!r}: bad CRC")
        pos += 12 + length
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            seen_iend = True
            break
    check(ihdr is not None, "PNG without IHDR")
    check(seen_iend, "PNG without IEND (truncated?)")
    width, height, depth, colour, compression, filter_method, interlace = ihdr
    check(depth == 8 and colour in (2, 6),
          f"PNG bit depth {depth}, colour type {colour}: only 8-bit RGB (2) or RGBA (6) handled")
    check(compression == 0 and filter_method == 0 and interlace == 0,
          f"PNG compression {compression}, filter method {filter_method}, interlace {interlace}")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    eq(len(raw), height * (stride + 1), "PNG decompressed size (height x (1 + row bytes))")
    bpp = channels
    rows = []
    prior = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        if ftype == 0:
            pass
        elif ftype == 1:  # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:  # Up
            for i in range(stride):
                line[i] = (line[i] + prior[i]) & 0xFF
        elif ftype == 3:  # Average
            for i in range(bpp):
                line[i] = (line[i] + (prior[i] >> 1)) & 0xFF
            for i in range(bpp, stride):
                line[i] = (line[i] + ((line[i - bpp] + prior[i]) >> 1)) & 0xFF
        elif ftype == 4:  # Paeth
            for i in range(bpp):
                line[i] = (line[i] + prior[i]) & 0xFF  # left and upper-left are 0
            for i in range(bpp, stride):
                line[i] = (line[i] + _paeth(line[i - bpp], prior[i], prior[i - bpp])) & 0xFF
        else:
            raise Fail(f"PNG row {y}: unknown filter type {ftype}")
        rows.append(bytes(line))
        prior = line
    return width, height, channels, rows


def colour_histogram(rows, channels, y0, y1):
    """{(r, g, b): pixel count} over rows y0..y1-1 (alpha ignored)."""
    counts = {}
    for y in range(y0, y1):
        row = rows[y]
        for px in zip(row[0::channels], row[1::channels], row[2::channels]):
            counts[px] = counts.get(px, 0) + 1
    return counts


def bounding_box(rows, channels, colour, y0, y1):
    """(x0, y0, x1, y1) inclusive of the pixels of exactly `colour` in rows y0..y1-1, or None."""
    box = None
    for y in range(y0, y1):
        row = rows[y]
        xs = [x for x, px in enumerate(zip(row[0::channels], row[1::channels], row[2::channels]))
              if px == colour]
        if not xs:
            continue
        if box is None:
            box = [xs[0], y, xs[-1], y]
        else:
            box = [min(box[0], xs[0]), box[1], max(box[2], xs[-1]), y]
    return tuple(box) if box else None


def check_piece_map(png_path, what):
    """Decodes the screenshot and asserts the piece map of a complete torrent: many HAVE
    pixels below REGION_TOP of the height, no MISSING or IN_FLIGHT pixel there. Returns
    (width, height)."""
    t0 = time.monotonic()
    with open(png_path, "rb") as f:
        data = f.read()
    width, height, channels, rows = decode_png(data)
    log(f"{what}: PNG {width}x{height}, {'RGB' if channels == 3 else 'RGBA'}, {len(data)} bytes, "
        f"decoded in {time.monotonic() - t0:.1f} s")
    if (width, height) != (SCREEN_W, SCREEN_H):
        log(f"{what}: NOTE the window is {width}x{height}, not the {SCREEN_W}x{SCREEN_H} screen")
    check(width >= 200 and height >= 200, f"{what}: the window is only {width}x{height}")
    y0 = int(height * REGION_TOP)
    region = colour_histogram(rows, channels, y0, height)
    whole_above = colour_histogram(rows, channels, 0, y0)
    have = region.get(HAVE, 0)
    missing = region.get(MISSING, 0)
    in_flight = region.get(IN_FLIGHT, 0)
    box = bounding_box(rows, channels, HAVE, y0, height)
    top = sorted(region.items(), key=lambda kv: -kv[1])[:8]
    log(f"{what}: rows {y0}..{height - 1}: have {HAVE} x {have}, missing {MISSING} x {missing}, "
        f"in flight {IN_FLIGHT} x {in_flight}; have-colour box {box}; "
        f"top colours {top}")
    log(f"{what}: above row {y0}: have x {whole_above.get(HAVE, 0)}, "
        f"missing x {whole_above.get(MISSING, 0)}, in flight x {whole_above.get(IN_FLIGHT, 0)}")
    check(have >= MIN_HAVE_PIXELS,
          f"{what}: only {have} pixels of the 'have' colour {HAVE} in the piece-map area "
          f"(rows {y0}..{height - 1}); expected >= {MIN_HAVE_PIXELS} (top colours there: {top})")
    check(missing == 0 and in_flight == 0,
          f"{what}: the piece map is not all 'have': {missing} pixels of the 'missing' colour "
          f"{MISSING} and {in_flight} of the 'in flight' colour {IN_FLIGHT} in rows "
          f"{y0}..{height - 1} (the download was not complete when the screenshot was taken?)")
    return width, height


# ---------------------------------------------------------------------------------------------
# The GUI under xvfb-run, and the processes below it


CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat(pid, task=None):
    """(ppid, starttime, utime + stime in ticks, state) from /proc/PID/stat (or a thread's
    /proc/PID/task/TID/stat), or None if gone."""
    path = f"/proc/{pid}/stat" if task is None else f"/proc/{pid}/task/{task}/stat"
    try:
        with open(path, "rb") as f:
            text = f.read().decode(errors="replace")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # fields from the 3rd (state) on
    return int(fields[1]), int(fields[19]), int(fields[11]) + int(fields[12]), fields[0]


def thread_ticks(pid):
    """{(tid, name): utime + stime ticks} of every thread of pid."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        st = _stat(pid, tid)
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        if st is not None:
            out[(int(tid), name)] = st[2]
    return out


def descendants(root_pid):
    """{pid: starttime} of every live process below root_pid."""
    parent = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st is not None:
                parent[int(name)] = (st[0], st[1])
    out = {}
    for pid, (ppid, start) in parent.items():
        seen = set()
        p = ppid
        while p in parent and p not in seen and p > 1:
            if p == root_pid:
                out[pid] = start
                break
            seen.add(p)
            p = parent[p][0]
    return out


def exe_of(pid):
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None
    return exe[:-len(" (deleted)")] if exe.endswith(" (deleted)") else exe


class GuiRun(sw.Proc):
    """`xvfb-run ... liketorrent ... gui ...` with its stdout/stderr in the work dir (a
    test_swarm Proc run through xvfb-run); also stops, by PID, the Xvfb and liketorrent
    processes xvfb-run started (they would outlive a killed xvfb-run)."""

    def __init__(self, procs, tag, lt_args, env):
        self.children = {}  # pid -> starttime, everything seen below xvfb-run
        launcher = ["xvfb-run", "-a", "-e", os.path.join(procs.work, f"{tag}.xvfb.log"),
                    "-s", f"-screen 0 {SCREEN_W}x{SCREEN_H}x24"]
        super().__init__(procs, tag, lt_args, launcher=launcher, env=env)

    def refresh_children(self):
        if self.alive():
            self.children.update(descendants(self.pid))

    def find_client(self, deadline=5.0):
        """PID of the liketorrent process below xvfb-run (its exe is our binary)."""
        want = os.path.realpath(sw.BINARY)
        end = time.monotonic() + deadline
        while True:
            self.refresh_children()
            for pid in self.children:
                exe = exe_of(pid)
                if exe is not None and os.path.realpath(exe) == want:
                    return pid
            if not self.alive():
                raise Fail(f"{self.tag}: xvfb-run exited (rc={self.rc()}) before its "
                           f"liketorrent child was seen")
            if time.monotonic() >= end:
                raise Fail(f"{self.tag}: no liketorrent process below xvfb-run (pid {self.pid}) "
                           f"after {deadline:.0f} s; saw {sorted(self.children)}")
            time.sleep(0.05)

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Fail(f"{self.tag} did not exit within {timeout:.0f} s")

    def cleanup(self):
        """SIGTERM to liketorrent below xvfb-run (xvfb-run then stops its Xvfb), then to
        xvfb-run; SIGKILL to whatever of theirs is left, each by PID."""
        self.refresh_children()
        want = os.path.realpath(sw.BINARY)
        clients = [p for p in self.children if exe_of(p) and os.path.realpath(exe_of(p)) == want]
        for pid in clients:
            self._signal(pid, signal.SIGTERM)
        end = time.monotonic() + sw.STOP_TIMEOUT
        while any(self._same(p) for p in clients) and time.monotonic() < end:
            time.sleep(0.05)
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.proc.wait(timeout=sw.STOP_TIMEOUT)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        # xvfb-run's exit trap sends SIGTERM to its Xvfb without waiting for it.
        end = time.monotonic() + 3.0
        while any(self._same(p) for p in self.children) and time.monotonic() < end:
            time.sleep(0.05)
        for pid in self.children:
            if self._same(pid):
                log(f"(cleanup: {self.tag}'s child {pid} ({exe_of(pid)}) still ran: SIGKILL)")
                self._signal(pid, signal.SIGKILL)
        for f in (self._out, self._err):
            if not f.closed:
                f.close()

    def _same(self, pid):
        """pid is still the live (not zombie) process seen below xvfb-run."""
        st = _stat(pid)
        return st is not None and st[1] == self.children.get(pid) and st[3] != "Z"

    def _signal(self, pid, sig):
        if self._same(pid):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass


def gui_env(procs):
    work = procs.work
    env = dict(procs.env, HOME=os.path.join(work, "home"),
               XDG_DOWNLOAD_DIR=os.path.join(work, "downloads"),
               XDG_CACHE_HOME=os.path.join(work, "xdg-cache"))
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY"):
        env.pop(name, None)
    for d in (env["HOME"], env["XDG_DOWNLOAD_DIR"]):
        os.makedirs(d, exist_ok=True)
    return env


def artifact_dir():
    d = os.environ.get("LT_GUI_ARTIFACT_DIR") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "lt-gui-smoke")
    os.makedirs(d, exist_ok=True)
    return d


def keep_artifact(png, name):
    if not os.path.exists(png):
        return
    dest = os.path.join(artifact_dir(), name)
    shutil.copyfile(png, dest)
    log(f"artifact: {dest}")


def run_gui(procs, tag, env, gui_data, port, shot, inputs=(), verbose=False, sample_cpu=False):
    """Runs the GUI until it has written `shot`; returns (seconds, cpu % of one core or None).
    Asserts exit 0 within GUI_EXIT_DEADLINE and a written PNG."""
    args = ["--data-dir", gui_data] + (["-v"] if verbose else []) + ["gui"] + list(inputs) + [
        "--port", str(port), "--screenshot", shot, "--screenshot-after",
        f"{SCREENSHOT_AFTER:g}", "--view", "pieces"]
    run = GuiRun(procs, tag, args, env)
    cpu = None
    client = run.find_client()
    log(f"{tag}: liketorrent pid {client} (below xvfb-run {run.pid})")
    if sample_cpu:
        xvfb = [p for p in run.children if p != client and (exe_of(p) or "").endswith("/Xvfb")]
        samples = []
        for at in (CPU_FROM, CPU_TO):
            delay = run.started + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            st = _stat(client)
            check(st is not None and st[3] != "Z" and run.alive(),
                  f"{tag}: liketorrent (pid {client}) exited before second {at:g} "
                  f"(xvfb-run rc={run.rc()})")
            x = [_stat(p) for p in xvfb]
            samples.append((time.monotonic(), st[2], thread_ticks(client),
                            sum(v[2] for v in x if v is not None)))
        (t_a, c_a, th_a, x_a), (t_b, c_b, th_b, x_b) = samples
        span = t_b - t_a
        cpu = 100.0 * (c_b - c_a) / CLK_TCK / span
        log(f"{tag}: idle CPU of liketorrent between seconds {CPU_FROM:g} and {CPU_TO:g}: "
            f"{c_b - c_a} ticks in {span:.2f} s = {cpu:.2f}% of one core")
        busy = sorted(((th_b[k] - th_a.get(k, 0), k) for k in th_b), reverse=True)
        log(f"{tag}: by thread (ticks of 1/{CLK_TCK} s): " + ", ".join(
            f"{name}[{tid}] {ticks}" for ticks, (tid, name) in busy[:6] if ticks > 0)
            + f"; {len(th_b)} threads")
        if xvfb:
            log(f"{tag}: Xvfb (pid {' '.join(map(str, xvfb))}) meanwhile: "
                f"{100.0 * (x_b - x_a) / CLK_TCK / span:.2f}% of one core")
    try:
        rc = run.wait_exit(max(1.0, GUI_EXIT_DEADLINE - (time.monotonic() - run.started)))
    except Fail:
        run.cleanup()
        raise
    took = time.monotonic() - run.started
    err = run.stderr().strip()
    log(f"{tag}: xvfb-run exited rc={rc} after {took:.1f} s; stderr tail {err[-300:]!r}")
    if rc != 0 and "this build has no GUI" in err:
        raise Skip("this liketorrent was built with LT_BUILD_GUI=OFF")
    eq(rc, 0, f"{tag}: exit code of xvfb-run liketorrent gui (stderr tail {err[-600:]!r})")
    check(took <= GUI_EXIT_DEADLINE, f"{tag}: took {took:.1f} s, more than {GUI_EXIT_DEADLINE} s")
    check(os.path.isfile(shot) and os.path.getsize(shot) > 0, f"{tag}: no screenshot at {shot}")
    run.refresh_children()
    return took, cpu


# ---------------------------------------------------------------------------------------------
# Case


def require_tools():
    for tool in ("xvfb-run", "xauth", "Xvfb"):
        if shutil.which(tool) is None:
            print(f"!!! SKIPPED: {'xvfb-run' if tool != 'xauth' else 'xauth'} not installed "
                  f"(case smoke; apt-get install xvfb xauth)", flush=True)
            raise Skip(f"{tool} not installed")


def case_smoke(procs):
    require_tools()
    work = procs.work
    tracker = Tracker(procs).start()
    src_parent = os.path.join(work, "src")
    root = os.path.join(src_parent, "gui-smoke-payload")
    total = make_payload(root, LAYOUT, seed=7)
    torrent, info = make_torrent(procs, root, tracker.announce_url, piece_size=65536)
    ih = bytes.fromhex(info["info_hash"])
    log(f"torrent {info['name']}: {total} bytes, {len(info['files'])} files, "
        f"{-(-total // 65536)} pieces of 64 KiB")
    seeder = Proc(procs, "seeder", client_args(procs, "seeder", "seed", torrent, src_parent,
                                               free_port(), verbose=True))
    tracker.wait_scrape(ih, lambda s: s[0] == 1, "the seeder in the scrape", procs=[seeder])

    env = gui_env(procs)
    gui_data = os.path.join(work, "gui-data")
    downloaded = os.path.join(env["XDG_DOWNLOAD_DIR"], "Like-Torrent", info["name"])

    # Run 1: the torrent on the command line; the screenshot after 8 s shows it complete.
    shot1 = os.path.join(work, "gui-smoke.png")
    try:
        took1, _ = run_gui(procs, "gui-run1", env, gui_data, free_port(), shot1,
                           inputs=[torrent], verbose=True)
    finally:
        keep_artifact(shot1, "gui-smoke.png")
    try:
        assert_same_tree(root, downloaded, "the GUI's download")
    except Fail as e:
        try:
            check_piece_map(shot1, "screenshot 1 (logged for the post-mortem)")
        except Fail as pieces:
            log(f"screenshot 1: {pieces}")
        raise Fail(f"{e} -- the download did not finish within the GUI's {SCREENSHOT_AFTER:g} s "
                   f"(see the screenshot artifact)") from e
    w, h = check_piece_map(shot1, "screenshot 1")
    log(f"tracker after run 1: complete, incomplete, downloaded = {tracker.scrape(ih)}")

    # Run 2: nothing on the command line: the torrent comes back from the database, seeding.
    shot2 = os.path.join(work, "gui-smoke-restored.png")
    try:
        took2, cpu = run_gui(procs, "gui-run2", env, gui_data, free_port(), shot2,
                             sample_cpu=True)
    finally:
        keep_artifact(shot2, "gui-smoke-restored.png")
    check_piece_map(shot2, "screenshot 2 (restored)")
    assert_same_tree(root, downloaded, "the files after run 2")
    check(cpu < CPU_SANITY_LIMIT,
          f"idle CPU of the seeding GUI {cpu:.1f}% of one core, sanity limit {CPU_SANITY_LIMIT}%")
    log(f"summary: window {w}x{h}; run 1 {took1:.1f} s, run 2 {took2:.1f} s; "
        f"idle CPU {cpu:.2f}% of one core")
    seeder.stop_ok()
    tracker.proc.stop_ok()


CASES = {"smoke": case_smoke}


def main(argv):
    return sw.run_main(argv, __doc__, CASES, {}, "lt-gui", "LT_GUI_KEEP")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
