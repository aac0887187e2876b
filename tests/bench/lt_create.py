#!/usr/bin/python3
"""Make a .torrent with libtorrent's Python binding (Debian: python3-libtorrent, importable by
/usr/bin/python3 only): the libtorrent entry of the creation benchmark.

usage: lt_create.py PATH OUT.torrent [--piece-size BYTES] [--v1only] [--tracker URL]
  --v1only   a v1-only torrent (SHA-1 only, like liketorrent, mktorrent, transmission-create);
             without it libtorrent 2.x makes a hybrid v1+v2 torrent (SHA-1 and SHA-256)
Prints one line: bytes, seconds and GB/s as measured inside Python (interpreter start-up and
`import libtorrent` not included; the benchmark times the whole process).
"""
import argparse
import os
import sys
import time

try:
    import libtorrent as lt
except ImportError:
    sys.exit("lt_create.py: cannot import libtorrent with %s (apt-get install python3-libtorrent)"
             % sys.executable)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("out")
    ap.add_argument("--piece-size", type=int, default=0, help="bytes; 0 = libtorrent's choice")
    ap.add_argument("--v1only", action="store_true")
    ap.add_argument("--tracker", default=None)
    a = ap.parse_args()

    path = os.path.abspath(a.path.rstrip("/"))
    t0 = time.perf_counter()
    fs = lt.file_storage()
    lt.add_files(fs, path)
    if fs.num_files() == 0:
        sys.exit("lt_create.py: no files in %s" % path)
    ct = lt.create_torrent(fs, a.piece_size, lt.create_torrent.v1_only if a.v1only else 0)
    if a.tracker:
        ct.add_tracker(a.tracker)
    ct.set_creator("libtorrent %s" % lt.__version__)
    lt.set_piece_hashes(ct, os.path.dirname(path))
    data = lt.bencode(ct.generate())
    with open(a.out, "wb") as f:
        f.write(data)
    dt = time.perf_counter() - t0
    payload = sum(fs.file_size(i) for i in range(fs.num_files())
                  if not fs.file_flags(i) & lt.file_storage.flag_pad_file)
    print("lt_create bytes=%d seconds=%.3f GB/s=%.3f piece=%d files=%d" % (
        payload, dt, payload / dt / 1e9, ct.piece_length(), fs.num_files()))


if __name__ == "__main__":
    main()
