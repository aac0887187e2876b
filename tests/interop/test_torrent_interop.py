#!/usr/bin/python3
"""Interop tests: liketorrent's .torrent files against real BitTorrent tools, and back.

usage: test_torrent_interop.py LIKETORRENT_BINARY [CASE ...]     (no CASE: run them all)
       test_torrent_interop.py --list

Run it with /usr/bin/python3: Debian's python3-libtorrent is only importable by the system
interpreter. Only the standard library and libtorrent are used.

Cases (each in its own temporary directory, removed afterwards):
  create_single    a 3 MB random file
  create_folder    nested folders, an empty file, unicode names, spaces, 20 sizes 1 B..1 MiB
  create_multi     several paths + --name (root folder = --name, each path by its base name)
  create_options   --private, several -t tiers, --comment, --web-seed, --piece-size 32K
      each torrent made by `liketorrent create` is read by transmission-show and by libtorrent,
      and all of it must equal `liketorrent info --json`; every piece hash is recomputed here
      with hashlib from the files on disk and compared with libtorrent's hash_for_piece(i);
      libtorrent also rechecks the folder torrent's data (all pieces must verify).
  read_transmission / read_mktorrent / read_libtorrent
      torrents made by transmission-create, mktorrent (-l 15 / -l 20) and libtorrent (v1-only and
      hybrid v1+v2) are read by `liketorrent info --json`: same v1 info-hash, name, sizes,
      pieces, files, trackers, web seeds as libtorrent reads.
  read_libtorrent_many_pads
      a libtorrent hybrid torrent whose 149 pad files share one path (".pad/15384").
  bad_input        truncated torrent, random bytes, a directory, a missing file, a missing
                   create path, --piece-size 1000, -o into a missing directory: exit 2, one
                   line on stderr, nothing on stdout, no output file left behind.

Exit status: 0 all passed, 1 a case failed, 77 a needed tool is missing (ctest SKIP_RETURN_CODE),
2 bad usage of this script.
"""

import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_common as common  # noqa: E402
from interop_common import check, eq, lt, need  # noqa: E402

TIMEOUT = 120  # seconds for any one external command
ANNOUNCE = "http://127.0.0.1:1/announce"  # loopback, nothing listens: never leaves the machine


# --------------------------------------------------------------------------------------------
# small helpers


def run(argv, cwd=None):
    p = subprocess.run(argv, cwd=cwd, env=common.ENV, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=TIMEOUT)
    p.out = p.stdout.decode("utf-8", "surrogateescape")
    p.err = p.stderr.decode("utf-8", "surrogateescape")
    return p


def run_ok(argv, cwd=None):
    p = run(argv, cwd=cwd)
    if p.returncode != 0:
        raise AssertionError("command failed (exit %d): %s\nstdout: %s\nstderr: %s" % (
            p.returncode, " ".join(argv), p.out, p.err))
    return p


def ours(*args, cwd=None):
    return run([common.BIN] + [str(a) for a in args], cwd=cwd)


def ours_ok(*args, cwd=None):
    return run_ok([common.BIN] + [str(a) for a in args], cwd=cwd)


def ours_info(torrent):
    p = ours_ok("info", torrent, "--json")
    try:
        return json.loads(p.out)
    except ValueError as e:
        raise AssertionError("info --json printed no valid JSON (%s): %r" % (e, p.out))


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def rand_bytes(rnd, n):
    return rnd.randbytes(n) if n else b""


def disk_files(root):
    """{relative '/'-path: size} of every regular file under root (root itself if a file)."""
    if os.path.isfile(root):
        return {os.path.basename(root): os.path.getsize(root)}
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            full = os.path.join(d, n)
            out[os.path.relpath(full, root).replace(os.sep, "/")] = os.path.getsize(full)
    return out


# --------------------------------------------------------------------------------------------
# libtorrent's view of a torrent, and the comparison with ours


def lt_view(torrent):
    ti = lt.torrent_info(torrent)
    fs = ti.files()
    name = ti.name()
    multi = not (fs.num_files() == 1 and fs.file_path(0) == name)
    files = []
    for i in range(fs.num_files()):
        p = fs.file_path(i).replace(os.sep, "/")
        if multi:
            check(p.startswith(name + "/"), "libtorrent path %r not under %r" % (p, name))
            p = p[len(name) + 1:]
        pad = bool(fs.file_flags(i) & lt.file_storage.flag_pad_file)
        files.append({"path": p, "size": fs.file_size(i), "pad": pad})
    tiers = []
    for ae in ti.trackers():
        while len(tiers) <= ae.tier:
            tiers.append([])
        tiers[ae.tier].append(ae.url)
    return {
        "ti": ti,
        "info_hash": str(ti.info_hashes().v1),
        "name": name,
        "total_size": ti.total_size(),
        "piece_length": ti.piece_length(),
        "num_pieces": ti.num_pieces(),
        "private": bool(ti.priv()),
        "multi_file": multi,
        "trackers": [t for t in tiers if t],
        "web_seeds": [w["url"] for w in ti.web_seeds() if w.get("type", 0) == 0],
        "files": files,
        "comment": ti.comment(),
        "created_by": ti.creator(),
        "creation_date": ti.creation_date(),
    }


def raw_trackers(torrent):
    with open(torrent, "rb") as f:
        root = lt.bdecode(f.read())
    tiers = [[u.decode("utf-8", "surrogateescape") for u in tier if u]
             for tier in root.get(b"announce-list", [])]
    tiers = [t for t in tiers if t]
    if not tiers and root.get(b"announce"):
        tiers = [[root[b"announce"].decode("utf-8", "surrogateescape")]]
    return tiers


def norm_files(files, with_pads=True):
    return [(f["path"], f["size"], bool(f.get("pad", False)))
            for f in files if with_pads or not f.get("pad", False)]


def compare_with_libtorrent(torrent, mine=None):
    """Everything `liketorrent info --json` says must equal what libtorrent reads."""
    mine = mine or ours_info(torrent)
    v = lt_view(torrent)
    eq(mine["info_hash"], v["info_hash"], "info_hash (libtorrent v1)")
    check(re.fullmatch(r"[0-9a-f]{40}", mine["info_hash"]), "info_hash is 40 lowercase hex")
    for key in ("name", "piece_length", "num_pieces", "private", "multi_file", "web_seeds",
                "comment", "created_by"):
        eq(mine[key], v[key], key + " (vs libtorrent)")
    # libtorrent shuffles the URLs inside each tier (BEP 12), so it gives the tiers' contents;
    # the order comes from the file itself (bdecoded by libtorrent).
    eq([sorted(t) for t in mine["trackers"]], [sorted(t) for t in v["trackers"]],
       "tracker tiers (vs libtorrent)")
    eq(mine["trackers"], raw_trackers(torrent), "trackers (announce-list, else [[announce]])")
    eq(mine["creation_date"] or 0, v["creation_date"], "creation_date (vs libtorrent)")
    # Real files must match exactly; BEP 47 pad files by position and size (several pad files
    # may share one path, e.g. ".pad/16383": libtorrent keeps it as is).
    eq(norm_files(mine["files"], with_pads=False), norm_files(v["files"], with_pads=False),
       "files without pads (vs libtorrent)")
    eq([(f["size"], bool(f.get("pad"))) for f in mine["files"]],
       [(f["size"], f["pad"]) for f in v["files"]], "file sizes and pad flags (vs libtorrent)")
    renamed_pads = [(f["path"], g["path"]) for f, g in zip(mine["files"], v["files"])
                    if g["pad"] and f["path"] != g["path"]]
    check(not renamed_pads, "pad files renamed (libtorrent path -> ours): %r" % renamed_pads[:5])
    # libtorrent's total_size counts pad files (the pieces cover them); ours must too.
    eq(mine["total_size"], v["total_size"], "total_size (vs libtorrent)")
    eq(mine["total_size"], sum(f["size"] for f in mine["files"]), "total_size = sum of files")
    pl = mine["piece_length"]
    eq(mine["num_pieces"], (mine["total_size"] + pl - 1) // pl, "num_pieces = ceil(size/piece)")
    check(mine["warnings"] == [], "no warnings expected, got %r" % (mine["warnings"],))

    # The magnet link: ours from info --json and from `magnet`, read by libtorrent.
    mag = ours_ok("magnet", torrent).out.strip()
    eq(mag, mine["magnet"], "`magnet` output = info --json magnet")
    check(("xt=urn:btih:" + mine["info_hash"]) in mag, "magnet carries xt=urn:btih:<hash>")
    p = lt.parse_magnet_uri(mag)
    eq(str(p.info_hashes.v1), mine["info_hash"], "magnet info-hash (parsed by libtorrent)")
    eq(p.name, mine["name"], "magnet dn (parsed by libtorrent)")
    eq(list(p.trackers), [u for tier in mine["trackers"] for u in tier],
       "magnet trackers (parsed by libtorrent)")
    return mine, v


def verify_piece_hashes(ti, base_dir):
    """SHA-1 of every piece, computed here from the files under base_dir (the folder that holds
    the torrent's root), must equal the torrent's piece hashes as libtorrent reads them."""
    fs = ti.files()
    pl = ti.piece_length()
    piece = 0
    h = hashlib.sha1()
    have = 0
    total = 0

    def finish():
        nonlocal piece, h, have
        got = ti.hash_for_piece(piece)
        if got != h.digest():
            raise AssertionError("piece %d: torrent says %s, the data hashes to %s" % (
                piece, got.hex(), h.hexdigest()))
        piece += 1
        h = hashlib.sha1()
        have = 0

    for i in range(fs.num_files()):
        size = fs.file_size(i)
        total += size
        if fs.file_flags(i) & lt.file_storage.flag_pad_file:
            src = None
        else:
            src = open(os.path.join(base_dir, fs.file_path(i)), "rb")
        try:
            left = size
            while left:
                n = min(left, pl - have, 1 << 20)
                data = src.read(n) if src else bytes(n)
                check(len(data) == n, "short read in %s" % fs.file_path(i))
                h.update(data)
                have += n
                left -= n
                if have == pl:
                    finish()
        finally:
            if src:
                src.close()
    if have:
        finish()
    eq(piece, ti.num_pieces(), "pieces hashed here")
    eq(total, ti.total_size(), "bytes hashed here")


def lt_recheck(torrent, save_path, timeout=90):
    """libtorrent checks the data against the torrent: every piece must pass."""
    ses = lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "alert_mask": 0,
    })
    try:
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(torrent)
        atp.save_path = save_path
        h = ses.add_torrent(atp)
        deadline = time.monotonic() + timeout
        seen_checking = False
        checking = (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data)
        st = h.status()
        while time.monotonic() < deadline:
            st = h.status()
            if st.is_seeding:
                break
            if st.state in checking:
                seen_checking = True
            elif seen_checking and st.state == lt.torrent_status.downloading:
                break  # checked, and some pieces failed
            time.sleep(0.05)
        eq(st.num_pieces, atp.ti.num_pieces(), "pieces libtorrent verified from the data "
           "(state %s, error %r)" % (st.state, st.errc.message() if st.errc.value() else ""))
        check(st.is_seeding, "libtorrent should seed the data (state %s)" % st.state)
    finally:
        del ses


# --------------------------------------------------------------------------------------------
# transmission-show's view, compared with ours


def tr_format(nbytes, kilo, names):
    """transmission 3.00 formatter_get_size_str(): tr_formatter_size_B (kilo 1000: kB MB GB TB)
    and tr_formatter_mem_B (kilo 1024: KiB MiB GiB TiB)."""
    units = [kilo, kilo ** 2, kilo ** 3, kilo ** 4]
    u = 3
    for i in range(1, 4):
        if nbytes < units[i]:
            u = i - 1
            break
    value = nbytes / units[u]
    precision = 0 if units[u] == 1 else (2 if value < 100 else 1)
    return "%.*f %s" % (precision, value, names[u])


def tr_size(n):
    return tr_format(n, 1000, ["kB", "MB", "GB", "TB"])


def tr_mem(n):
    return tr_format(n, 1024, ["KiB", "MiB", "GiB", "TiB"])


def transmission_show(torrent):
    out = run_ok(["transmission-show", torrent]).out
    general, tiers, webseeds, files = {}, [], [], []
    section = None
    for line in out.splitlines():
        if line in ("GENERAL", "TRACKERS", "WEBSEEDS", "FILES"):
            section = line
            continue
        if not line.strip():
            continue
        if section == "GENERAL":
            key, _, value = line.strip().partition(": ")
            general[key] = value
        elif section == "TRACKERS":
            if re.fullmatch(r"\s*Tier #\d+", line):
                tiers.append([])
            else:
                tiers[-1].append(line.strip())
        elif section == "WEBSEEDS":
            webseeds.append(line.strip())
        elif section == "FILES":
            m = re.fullmatch(r"  (.*) \(([^()]*)\)", line)
            check(m, "unparsable transmission-show file line %r" % line)
            files.append((m.group(1), m.group(2)))
    return {"general": general, "trackers": tiers, "web_seeds": webseeds, "files": files,
            "raw": out}


def compare_with_transmission(torrent, mine):
    t = transmission_show(torrent)
    g = t["general"]
    try:
        eq(g.get("Name"), mine["name"], "name (transmission-show)")
        eq(g.get("Hash"), mine["info_hash"], "info-hash (transmission-show)")
        eq(g.get("Piece Count"), str(mine["num_pieces"]), "piece count (transmission-show)")
        eq(g.get("Piece Size"), tr_mem(mine["piece_length"]), "piece size (transmission-show)")
        eq(g.get("Total Size"), tr_size(mine["total_size"]), "total size (transmission-show)")
        eq(g.get("Privacy"), "Private torrent" if mine["private"] else "Public torrent",
           "privacy (transmission-show)")
        eq(g.get("Comment", ""), mine["comment"], "comment (transmission-show)")
        eq(g.get("Created by", ""), mine["created_by"], "created by (transmission-show)")
        eq(t["trackers"], mine["trackers"], "tracker tiers (transmission-show)")
        eq(t["web_seeds"], mine["web_seeds"], "web seeds (transmission-show)")
        expected = sorted(((mine["name"] + "/" + f["path"]) if mine["multi_file"] else f["path"],
                           tr_size(f["size"])) for f in mine["files"] if not f.get("pad"))
        eq(sorted(t["files"]), expected, "files (transmission-show)")
    except AssertionError as e:
        raise AssertionError("%s\n--- transmission-show output:\n%s" % (e, t["raw"])) from None


# --------------------------------------------------------------------------------------------
# a. torrents made by liketorrent, read by transmission-show and libtorrent


def check_created(torrent, base_dir, expected_files, recheck=False):
    """Common checks for a torrent we made from data under base_dir.
    expected_files: {path relative to the root folder (or the file name): size}."""
    mine, v = compare_with_libtorrent(torrent)
    compare_with_transmission(torrent, mine)
    got = {f["path"]: f["size"] for f in mine["files"]}
    check(not any(f.get("pad") for f in mine["files"]), "liketorrent makes v1 without pads")
    eq(len(got), len(mine["files"]), "no duplicate paths")
    eq(got, expected_files, "files in the torrent vs the files on disk")
    eq(mine["total_size"], sum(expected_files.values()), "total_size vs the files on disk")
    verify_piece_hashes(v["ti"], base_dir)
    if recheck:
        lt_recheck(torrent, base_dir)
    return mine


def case_create_single(tmp):
    need("transmission-show", "libtorrent")
    src = os.path.join(tmp, "src")
    rnd = random.Random(1)
    f = os.path.join(src, "random 3MB.bin")
    write(f, rand_bytes(rnd, 3_000_000))
    out = os.path.join(tmp, "single.torrent")
    ours_ok("create", f, "-t", ANNOUNCE, "-o", out)
    mine = check_created(out, src, {"random 3MB.bin": 3_000_000}, recheck=True)
    eq(mine["multi_file"], False, "multi_file")
    eq(mine["name"], "random 3MB.bin", "name")
    eq(mine["trackers"], [[ANNOUNCE]], "trackers")
    check(mine["creation_date"] and abs(mine["creation_date"] - time.time()) < 3600,
          "creation_date is now: %r" % mine["creation_date"])
    check(mine["created_by"].startswith("Like-Torrent"), "created_by: %r" % mine["created_by"])

    # 1 MiB pieces and one hashing thread: still right (parallel vs serial hashing)
    out1 = os.path.join(tmp, "single-1m.torrent")
    ours_ok("create", f, "-o", out1, "--piece-size", "1M", "--threads", "1", "--no-date")
    mine1 = check_created(out1, src, {"random 3MB.bin": 3_000_000})
    eq(mine1["piece_length"], 1 << 20, "piece_length for --piece-size 1M")
    eq(mine1["num_pieces"], 3, "num_pieces")
    eq(mine1["trackers"], [], "no -t: trackerless")
    eq(mine1["creation_date"], None, "--no-date: no creation date")


FOLDER_SIZES = [1, 2, 3, 100, 777, 4096, 12345, 16383, 16384, 16385, 32767, 54321, 65536,
                100000, 262144, 262145, 500000, 999999, 1048576]  # + the empty file = 20 files
FOLDER_NAMES = ["a.bin", "b c.dat", "sub/x.bin", "sub/deeper/y z.bin",
                "sub/deeper/deepest/Ünïcödé 日本.txt", "Ünïcödé 日本.txt", "sp ace/one.bin",
                "sp ace/two three.bin", "n1/n2/n3/n4/leaf.bin", "n1/n2/mid.bin", "n1/top.bin",
                "z.bin", "README", ".hidden", "émoji 🎉.bin", "sub/b.bin", "sub/a.bin",
                "x/y/日本語のファイル名.bin", "with-dash_and.dots.tar.gz"]


def make_folder(root, seed=2):
    rnd = random.Random(seed)
    expected = {}
    for name, size in zip(FOLDER_NAMES, FOLDER_SIZES):
        write(os.path.join(root, name), rand_bytes(rnd, size))
        expected[name] = size
    write(os.path.join(root, "empty dir-with/empty file"), b"")
    expected["empty dir-with/empty file"] = 0
    return expected


def case_create_folder(tmp):
    need("transmission-show", "libtorrent")
    src = os.path.join(tmp, "src")
    root = os.path.join(src, "My Folder ü")
    expected = make_folder(root)
    eq(len(expected), 20, "test data: 20 files")
    eq(disk_files(root), expected, "test data on disk")
    out = os.path.join(tmp, "folder.torrent")
    ours_ok("create", root, "-t", ANNOUNCE, "-o", out)
    mine = check_created(out, src, expected, recheck=True)
    eq(mine["multi_file"], True, "multi_file")
    eq(mine["name"], "My Folder ü", "name = the folder's name")

    # small pieces: many pieces straddle file boundaries; also a trailing slash on the path,
    # and reproducibility: --no-date twice gives byte-identical files, any thread count
    outs = []
    for i, threads in enumerate(("1", "2", "4")):
        o = os.path.join(tmp, "folder16k-%d.torrent" % i)
        ours_ok("create", root + "/", "-o", o, "--piece-size", "16K", "--no-date",
                "--threads", threads)
        outs.append(o)
    check_created(outs[0], src, expected)
    data = [open(o, "rb").read() for o in outs]
    check(data[0] == data[1] == data[2],
          "--no-date output differs between runs / thread counts (not reproducible)")


def case_create_multi(tmp):
    need("transmission-show", "libtorrent")
    src = os.path.join(tmp, "src")
    rnd = random.Random(3)
    write(os.path.join(src, "top file.txt"), rand_bytes(rnd, 40000))
    write(os.path.join(src, "other.bin"), rand_bytes(rnd, 123457))
    folder = make_folder(os.path.join(src, "dirA"), seed=4)
    out = os.path.join(tmp, "multi.torrent")
    ours_ok("create", os.path.join(src, "top file.txt"), os.path.join(src, "dirA"),
            os.path.join(src, "other.bin"), "--name", "Bundle Ω", "-t", ANNOUNCE, "-o", out)
    expected = {"top file.txt": 40000, "other.bin": 123457}
    expected.update({"dirA/" + k: s for k, s in folder.items()})
    # the data on disk under the root folder's name, to hash and recheck it
    base = os.path.join(tmp, "base")
    os.makedirs(base)
    os.symlink(src, os.path.join(base, "Bundle Ω"))
    mine = check_created(out, base, expected, recheck=True)
    eq(mine["name"], "Bundle Ω", "name = --name")
    eq(mine["multi_file"], True, "multi_file")


def case_option_order(tmp):
    """Options may come before, between and after the paths (DESIGN.md section 4), a global
    --data-dir included; several paths without --name take the root name from -o's stem."""
    need("libtorrent")
    rnd = random.Random(11)
    a = os.path.join(tmp, "a.txt")
    b = os.path.join(tmp, "b.txt")
    write(a, rand_bytes(rnd, 5000))
    write(b, rand_bytes(rnd, 7000))
    out = os.path.join(tmp, "out.torrent")
    ours_ok("--data-dir", os.path.join(tmp, "dd1"), "create", "-t", ANNOUNCE, a,
            "--web-seed", "http://127.0.0.1:4/ws/", b, "-t", "udp://127.0.0.1:2/a", "-o", out,
            "--data-dir", os.path.join(tmp, "dd2"))
    mine = ours_info(out)
    eq(mine["name"], "out", "root folder named after -o")
    eq(sorted(f["path"] for f in mine["files"]), ["a.txt", "b.txt"], "both paths, not eaten by -t")
    eq(mine["trackers"], [[ANNOUNCE], ["udp://127.0.0.1:2/a"]], "one tier per -t")
    eq(mine["web_seeds"], ["http://127.0.0.1:4/ws/"], "web seed")
    ti = lt.torrent_info(out)
    eq(str(ti.info_hashes().v1), mine["info_hash"], "libtorrent agrees on the info-hash")


def case_create_options(tmp):
    need("transmission-show", "libtorrent")
    src = os.path.join(tmp, "src")
    rnd = random.Random(5)
    f = os.path.join(src, "opts.bin")
    write(f, rand_bytes(rnd, 1_000_001))
    out = os.path.join(tmp, "opts.torrent")
    t1, t2a, t2b, t3 = ("http://127.0.0.1:1/announce", "http://127.0.0.2:2/announce",
                        "udp://127.0.0.3:3/announce", "https://127.0.0.4/a?k=v&x=1")
    comment = "A comment — with ünïcode, \"quotes\" and a \\ backslash"
    ws1, ws2 = "http://127.0.0.1:8/files/opts.bin", "https://127.0.0.2/mirror/opts.bin"
    ours_ok("create", f, "-o", out, "--private", "-t", t1, "-t", t2a + "," + t2b, "-t", t3,
            "--comment", comment, "--web-seed", ws1, "--web-seed", ws2, "--piece-size", "32K")
    mine = check_created(out, src, {"opts.bin": 1_000_001})
    eq(mine["private"], True, "private")
    eq(mine["trackers"], [[t1], [t2a, t2b], [t3]], "tracker tiers")
    eq(mine["comment"], comment, "comment")
    eq(mine["web_seeds"], [ws1, ws2], "web seeds")
    eq(mine["piece_length"], 32768, "piece_length")
    eq(mine["num_pieces"], 31, "num_pieces")

    # the same options on a folder (web seeds of a multi-file torrent), bytes = 32K
    root = os.path.join(src, "folder")
    expected = make_folder(root, seed=6)
    out2 = os.path.join(tmp, "opts-folder.torrent")
    ours_ok("create", root, "-o", out2, "--private", "-t", t1, "-t", t2a + "," + t2b,
            "--comment", comment, "--web-seed", "http://127.0.0.1:8/files/",
            "--piece-size", "32768", "--name", "renamed folder")
    base = os.path.join(tmp, "base")
    os.makedirs(base)
    os.symlink(root, os.path.join(base, "renamed folder"))
    mine2 = check_created(out2, base, expected)
    eq(mine2["name"], "renamed folder", "--name on one folder")
    eq(mine2["private"], True, "private")
    eq(mine2["piece_length"], 32768, "piece_length (--piece-size 32768)")
    eq(mine2["web_seeds"], ["http://127.0.0.1:8/files/"], "web seeds")


# --------------------------------------------------------------------------------------------
# b. torrents made by the other tools, read by liketorrent


def make_inputs(tmp):
    src = os.path.join(tmp, "src")
    rnd = random.Random(7)
    single = os.path.join(src, "single file.bin")
    write(single, rand_bytes(rnd, 3_000_000))
    folder = os.path.join(src, "Folder Ünï")
    make_folder(folder, seed=8)
    return single, folder


def check_read(torrent, label, expect=None):
    try:
        mine, v = compare_with_libtorrent(torrent)
        for key, value in (expect or {}).items():
            eq(mine[key], value, key)
    except AssertionError as e:
        raise AssertionError("[%s] %s" % (label, e)) from None
    return mine


def case_read_transmission(tmp):
    need("transmission-create", "libtorrent")
    single, folder = make_inputs(tmp)
    n = 0
    for path in (single, folder):
        for extra in ([], ["-p", "-c", "made by transmission-create", "-t", ANNOUNCE,
                           "-t", "udp://127.0.0.1:2/announce", "-s", "64"]):
            n += 1
            out = os.path.join(tmp, "tr%d.torrent" % n)
            run_ok(["transmission-create", "-o", out] + extra + [path])
            check_read(out, "transmission-create %s %s" % (" ".join(extra), path),
                       {"name": os.path.basename(path),
                        "multi_file": path == folder,
                        "private": "-p" in extra})


def case_read_mktorrent(tmp):
    need("mktorrent", "libtorrent")
    single, folder = make_inputs(tmp)
    n = 0
    for path in (single, folder):
        for l2 in (15, 20):
            for extra in ([], ["-p", "-c", "made by mktorrent", "-a",
                               ANNOUNCE + ",udp://127.0.0.1:2/announce", "-a",
                               "http://127.0.0.1:3/announce", "-w", "http://127.0.0.1:4/ws/"]):
                n += 1
                out = os.path.join(tmp, "mk%d.torrent" % n)
                run_ok(["mktorrent", "-l", str(l2), "-o", out] + extra + [path])
                check_read(out, "mktorrent -l %d %s %s" % (l2, " ".join(extra), path),
                           {"name": os.path.basename(path), "piece_length": 1 << l2,
                            "multi_file": path == folder, "private": "-p" in extra})


def lt_create(path, out, piece_size, flags, trackers=(), web_seeds=(), private=False,
              comment=None):
    fs = lt.file_storage()
    lt.add_files(fs, path)
    ct = lt.create_torrent(fs, piece_size, flags)
    for tier, url in enumerate(trackers):
        ct.add_tracker(url, tier)
    for url in web_seeds:
        ct.add_url_seed(url)
    ct.set_priv(private)
    if comment:
        ct.set_comment(comment)
    ct.set_creator("libtorrent %s" % lt.__version__)
    lt.set_piece_hashes(ct, os.path.dirname(path))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))


def case_read_libtorrent(tmp):
    need("libtorrent")
    single, folder = make_inputs(tmp)
    n = 0
    for path in (single, folder):
        for kind, flags in (("v1-only", lt.create_torrent.v1_only), ("hybrid v1+v2", 0)):
            for piece in (16384, 262144):
                n += 1
                out = os.path.join(tmp, "lt%d.torrent" % n)
                lt_create(path, out, piece, flags, trackers=[ANNOUNCE, "udp://127.0.0.1:2/a"],
                          web_seeds=["http://127.0.0.1:4/ws/"], private=(n % 2 == 0),
                          comment="made by libtorrent %s" % kind)
                mine = check_read(out, "libtorrent %s piece %d %s" % (kind, piece, path),
                                  {"name": os.path.basename(path),
                                   "multi_file": path == folder, "piece_length": piece})
                # the real files (without pad files) are exactly the ones on disk
                real = {f["path"]: f["size"] for f in mine["files"] if not f.get("pad")}
                eq(real, disk_files(path), "[libtorrent %s] files vs disk" % kind)
                if kind.startswith("hybrid") and path == folder:
                    check(any(f.get("pad") for f in mine["files"]),
                          "a hybrid folder torrent has pad files, and ours must flag them")


def case_read_libtorrent_many_pads(tmp):
    """libtorrent's default (hybrid) torrent of 150 equal small files has 150 pad files that
    all share the path ".pad/15384": a valid torrent that libtorrent itself reads."""
    need("libtorrent")
    folder = os.path.join(tmp, "src", "many")
    rnd = random.Random(10)
    for i in range(150):
        write(os.path.join(folder, "f%03d.bin" % i), rand_bytes(rnd, 1000))
    out = os.path.join(tmp, "many.torrent")
    lt_create(folder, out, 16384, 0, trackers=[ANNOUNCE])
    mine = check_read(out, "libtorrent hybrid, 150 files of 1000 B",
                      {"name": "many", "multi_file": True, "num_pieces": 150})
    ti = lt.torrent_info(out)
    fs = ti.files()
    lt_pads = sum(1 for i in range(fs.num_files())
                  if fs.file_flags(i) & lt.file_storage.flag_pad_file)
    eq(sum(1 for f in mine["files"] if f.get("pad")), lt_pads, "pad files (as libtorrent counts)")
    eq(mine["warnings"], [], "no rename warnings for shared pad paths")


# --------------------------------------------------------------------------------------------
# c. bad input


def expect_bad(argv_tail, label, output=None):
    p = ours(*argv_tail)
    lines = p.err.splitlines()
    problems = []
    if p.returncode != 2:
        problems.append("exit code %d (expected 2)" % p.returncode)
    if len(lines) != 1 or not lines[0].strip() or not p.err.endswith("\n"):
        problems.append("stderr must be exactly one line, got %r" % p.err)
    if p.out:
        problems.append("stdout must be empty, got %r" % p.out)
    if output is not None and os.path.lexists(output):
        problems.append("output file %s was left behind" % output)
    if problems:
        raise AssertionError("[%s] liketorrent %s: %s" % (
            label, " ".join(map(str, argv_tail)), "; ".join(problems)))


def case_bad_input(tmp):
    rnd = random.Random(9)
    src = os.path.join(tmp, "src")
    f = os.path.join(src, "data.bin")
    write(f, rand_bytes(rnd, 200_000))
    good = os.path.join(tmp, "good.torrent")
    ours_ok("create", f, "-t", ANNOUNCE, "-o", good)
    raw = open(good, "rb").read()

    bad = {}
    bad["truncated (half)"] = raw[:len(raw) // 2]
    bad["truncated (last byte missing)"] = raw[:-1]
    bad["random bytes"] = rand_bytes(rnd, 4096)
    bad["empty file"] = b""
    bad["bencoded but not a torrent"] = b"d3:fooi1ee"
    failures = []
    for label, data in bad.items():
        path = os.path.join(tmp, re.sub(r"\W+", "_", label) + ".torrent")
        write(path, data)
        for sub in (["info", path], ["info", path, "--json"], ["magnet", path]):
            try:
                expect_bad(sub, label)
            except AssertionError as e:
                failures.append(str(e))
    for label, path in (("a directory", src), ("a missing file", os.path.join(tmp, "nope.torrent"))):
        for sub in (["info", path], ["info", path, "--json"], ["magnet", path]):
            try:
                expect_bad(sub, label)
            except AssertionError as e:
                failures.append(str(e))

    outdir = os.path.join(tmp, "out")
    os.makedirs(outdir)
    o = os.path.join(outdir, "x.torrent")
    create_cases = [
        ("create of a missing path", ["create", os.path.join(tmp, "missing.bin"), "-o", o]),
        ("create of a missing path among good ones",
         ["create", f, os.path.join(tmp, "missing.bin"), "--name", "n", "-o", o]),
        ("--piece-size 1000", ["create", f, "--piece-size", "1000", "-o", o]),
        ("--piece-size 3M (not a power of two)", ["create", f, "--piece-size", "3M", "-o", o]),
        ("--piece-size abc", ["create", f, "--piece-size", "abc", "-o", o]),
        ("-o into a missing directory",
         ["create", f, "-o", os.path.join(tmp, "no", "such", "dir", "x.torrent")]),
    ]
    for label, argv in create_cases:
        try:
            expect_bad(argv, label, output=o)
            eq(os.listdir(outdir), [], "[%s] files left in the output directory" % label)
        except AssertionError as e:
            failures.append(str(e))
    check(not os.path.exists(os.path.join(tmp, "no")), "a missing -o directory was created")
    if failures:
        raise AssertionError("%d bad-input checks failed:\n  %s" % (
            len(failures), "\n  ".join(failures)))


# --------------------------------------------------------------------------------------------

CASES = {
    "create_single": case_create_single,
    "create_folder": case_create_folder,
    "create_multi": case_create_multi,
    "create_options": case_create_options,
    "option_order": case_option_order,
    "read_transmission": case_read_transmission,
    "read_mktorrent": case_read_mktorrent,
    "read_libtorrent": case_read_libtorrent,
    "read_libtorrent_many_pads": case_read_libtorrent_many_pads,
    "bad_input": case_bad_input,
}


if __name__ == "__main__":
    sys.exit(common.main(sys.argv, __doc__, CASES, "lt-interop-", "interop"))
