#!/usr/bin/python3
"""Sanity check for the creation benchmark: did every tool hash the same bytes?

usage: check_pieces.py LABEL=FILE.torrent ...     (the first one is the reference: liketorrent)
Compares the v1 piece hashes (info.pieces) and piece length of each torrent with the first.
Torrents whose file order differs (e.g. libtorrent lists a folder in directory order) cannot
have the same pieces; that is reported, not counted as a mismatch. Exit 1 if the first torrent
agrees with none of the others that have the same file order. Standard library only.
"""
import sys


def bdecode(data, i=0):
    c = data[i:i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    if c == b"l":
        out, i = [], i + 1
        while data[i:i + 1] != b"e":
            v, i = bdecode(data, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        out, i = {}, i + 1
        while data[i:i + 1] != b"e":
            k, i = bdecode(data, i)
            out[k], i = bdecode(data, i)
        return out, i + 1
    colon = data.index(b":", i)
    n = int(data[i:colon])
    return data[colon + 1:colon + 1 + n], colon + 1 + n


def summary(path):
    with open(path, "rb") as f:
        info = bdecode(f.read())[0][b"info"]
    files = [b"/".join(f[b"path"]) for f in info.get(b"files", [])
             if b"p" not in f.get(b"attr", b"")] or [info[b"name"]]
    return info[b"piece length"], info[b"pieces"], files


def main(argv):
    items = [a.split("=", 1) for a in argv[1:]]
    if len(items) < 2:
        print(__doc__)
        return 2
    ref_label, ref_path = items[0]
    ref = summary(ref_path)
    comparable = agree = 0
    for label, path in items[1:]:
        other = summary(path)
        if other[2] != ref[2]:
            print("pieces: %s lists the files in another order (not comparable)" % label)
            continue
        comparable += 1
        if other[:2] == ref[:2]:
            agree += 1
            print("pieces: %s = %s (%d hashes)" % (ref_label, label, len(ref[1]) // 20))
        else:
            print("pieces: WARNING %s != %s (piece length %d vs %d)" % (
                ref_label, label, ref[0], other[0]))
    if comparable and not agree:
        print("pieces: WARNING %s disagrees with every other tool" % ref_label)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
