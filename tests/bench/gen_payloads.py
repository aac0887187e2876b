#!/usr/bin/python3
"""Deterministic, incompressible benchmark payloads (generated once, kept between runs).

usage: gen_payloads.py DATA_DIR [single2g] [dir1000] [xfer1g] [xferNm]   (default: the first two)
  single2g -> DATA_DIR/single_2g.bin           one 2 GiB file
  dir1000  -> DATA_DIR/dir_1000/f0000.bin ...  1,000 files, 1 GiB in total; sizes drawn from a
              seeded generator (about 59 KB to 2 MB), so pieces straddle file boundaries
  xfer1g   -> DATA_DIR/xfer_1g.bin             one 1 GiB file (the transfer benchmark's)
  xferNm   -> DATA_DIR/xfer_Nm.bin             one N MiB file (small transfer dry runs; xfer1024m
              is xfer1g)
Content comes from seeded random.Random streams: the same bytes on every machine, nothing to
compress. Files that already exist with the right size are kept; new ones are written to
NAME.part and renamed, so an interrupted run never leaves a short file behind.
Prints the payload paths and their sizes.
"""
import os
import random
import sys
import time

GiB = 1 << 30
CHUNK = 8 << 20


def dir1000_sizes():
    rnd = random.Random(1000)
    weights = [rnd.uniform(0.05, 1.95) for _ in range(1000)]
    total = sum(weights)
    sizes = [int(GiB * w / total) for w in weights]
    sizes[-1] += GiB - sum(sizes)
    return sizes


def write_file(path, size, seed):
    if os.path.isfile(path) and os.path.getsize(path) == size:
        return False
    rnd = random.Random(seed)
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        left = size
        while left:
            n = min(CHUNK, left)
            f.write(rnd.randbytes(n))
            left -= n
    os.replace(tmp, path)
    return True


def xfer_payload(token):
    """'xfer1g' / 'xferNm' -> (file name, size in bytes), else None"""
    if token == "xfer1g":
        return "xfer_1g.bin", GiB
    if token.startswith("xfer") and token.endswith("m") and token[4:-1].isdigit():
        mib = int(token[4:-1])
        if mib == 1024:
            return "xfer_1g.bin", GiB
        if mib > 0:
            return "xfer_%dm.bin" % mib, mib << 20
    return None


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    data = os.path.abspath(argv[1])
    what = argv[2:] or ["single2g", "dir1000"]
    unknown = {w for w in what if w not in ("single2g", "dir1000") and not xfer_payload(w)}
    if unknown:
        print("gen_payloads.py: unknown payload(s): %s" % " ".join(sorted(unknown)),
              file=sys.stderr)
        return 2
    os.makedirs(data, exist_ok=True)
    t0 = time.monotonic()
    wrote = 0
    if "single2g" in what:
        path = os.path.join(data, "single_2g.bin")
        if write_file(path, 2 * GiB, "single_2g"):
            wrote += 2 * GiB
        print("payload %s: 1 file, %d bytes" % (path, 2 * GiB))
    if "dir1000" in what:
        d = os.path.join(data, "dir_1000")
        os.makedirs(d, exist_ok=True)
        sizes = dir1000_sizes()
        for i, size in enumerate(sizes):
            if write_file(os.path.join(d, "f%04d.bin" % i), size, "dir_1000/%d" % i):
                wrote += size
        extra = sorted(set(os.listdir(d)) - {"f%04d.bin" % i for i in range(len(sizes))})
        if extra:  # a stray .part or foreign file would change what the creators hash
            print("gen_payloads.py: unexpected files in %s: %s" % (d, " ".join(extra[:5])),
                  file=sys.stderr)
            return 1
        print("payload %s: %d files, %d bytes (%d..%d per file)" % (
            d, len(sizes), sum(sizes), min(sizes), max(sizes)))
    for w in what:
        x = xfer_payload(w)
        if x:
            path = os.path.join(data, x[0])
            if write_file(path, x[1], x[0][:-len(".bin")]):
                wrote += x[1]
            print("payload %s: 1 file, %d bytes" % (path, x[1]))
    if wrote:
        print("generated %.2f GB in %.1f s" % (wrote / 1e9, time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
