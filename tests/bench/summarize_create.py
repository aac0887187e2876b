#!/usr/bin/python3
"""Report of the creation benchmark (called by create_bench.sh).

usage: summarize_create.py MANIFEST.tsv OPENSSL_SHA1_GBPS
MANIFEST lines (tab-separated): payload  bytes  tool  label  result.json
result.json is hyperfine's --export-json (or the same shape from the fallback timer):
{"results": [{"times": [seconds, ...]}]}. A missing/empty JSON means the tool failed.
GB/s = 1e9 bytes of payload per second. Ratios are throughput ratios (ours / other), so
> 1 means liketorrent is faster; they use the medians.
"""
import json
import statistics
import sys

OURS = "liketorrent"


def main(argv):
    manifest, openssl = argv[1], argv[2]
    try:
        ssl_gbps = float(openssl)
    except ValueError:
        ssl_gbps = None
    payloads = {}  # payload -> {"bytes": n, "tools": [(tool, label, times or None)]}
    with open(manifest) as f:
        for line in f:
            if not line.strip():
                continue
            payload, nbytes, tool, label, path = line.rstrip("\n").split("\t")
            times = None
            try:
                with open(path) as j:
                    times = json.load(j)["results"][0]["times"]
            except (OSError, ValueError, KeyError, IndexError):
                pass
            p = payloads.setdefault(payload, {"bytes": int(nbytes), "tools": []})
            p["tools"].append((tool, label, times or None))

    labels = []  # every tool label in order of appearance
    table = {}   # (payload, label) -> median GB/s
    for payload, p in payloads.items():
        n = p["bytes"]
        print("\n## %s (%.3f GB)" % (payload, n / 1e9))
        for tool, label, times in p["tools"]:
            if label not in labels:
                labels.append(label)
            if not times:
                print("  %-22s FAILED or skipped" % label)
                continue
            med = statistics.median(times)
            table[(payload, label)] = n / med / 1e9
            print("  %-22s median %6.3f s  min %6.3f s  max %6.3f s   %5.2f GB/s "
                  "(%.2f..%.2f)  n=%d" % (label, med, min(times), max(times), n / med / 1e9,
                                          n / max(times) / 1e9, n / min(times) / 1e9,
                                          len(times)))
        ours = next((table.get((payload, l)) for t, l, _ in p["tools"] if t == OURS), None)
        if ours is None:
            print("  (no liketorrent result: no ratios)")
            continue
        for tool, label, _ in p["tools"]:
            if tool != OURS and (payload, label) in table:
                print("  ratio liketorrent / %-22s %5.2fx" % (label, ours / table[(payload, label)]))
        if ssl_gbps:
            print("  ratio liketorrent / %-22s %5.2fx" % ("openssl sha1 1 core", ours / ssl_gbps))

    ssl_txt = "%.2f GB/s" % ssl_gbps if ssl_gbps else "n/a"
    print("\nopenssl speed -evp sha1 (1 MiB buffers, 1 core): %s" % ssl_txt)

    ours_label = next((l for p in payloads.values() for t, l, _ in p["tools"] if t == OURS), OURS)
    others = [l for l in labels if l != ours_label]
    print("\n### Summary (GB/s, median; ratio = liketorrent / other)\n")
    head = ["payload"] + labels + ["ours / " + l for l in others] + ["ours / openssl 1 core"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for payload in payloads:
        ours = table.get((payload, ours_label))
        row = [payload]
        row += ["%.2f" % table[(payload, l)] if (payload, l) in table else "–" for l in labels]
        for l in others:
            row.append("%.2fx" % (ours / table[(payload, l)])
                       if ours and (payload, l) in table else "–")
        row.append("%.2fx" % (ours / ssl_gbps) if ours and ssl_gbps else "–")
        print("| " + " | ".join(row) + " |")
    print("\nopenssl sha1, 1 core: %s." % ssl_txt)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
