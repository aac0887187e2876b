"""What the integration scripts share (test_tracker_http.py, test_swarm.py): failures, small
assertion helpers, timestamped log lines, a strict bencode decoder for our tracker's answers,
URL quoting of binary values and free loopback ports. Standard library only; each script
imports it from its own directory:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from integration_common import ...
"""

import socket
import time
import urllib.parse


class Fail(AssertionError):
    pass


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def eq(got, expected, what):
    if got != expected:
        raise Fail(f"{what}: expected {expected!r}, got {got!r}")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def bdecode(data):
    """Decodes a complete bencoded value; strings stay bytes, dict keys are bytes."""

    def parse(i):
        c = data[i:i + 1]
        if c == b"i":
            end = data.index(b"e", i)
            text = data[i + 1:end]
            check(text == b"0" or (text[:1] != b"0" and text[:2] != b"-0" and text not in (b"", b"-")),
                  f"bad bencode integer {text!r}")
            return int(text), end + 1
        if c == b"l":
            out = []
            i += 1
            while data[i:i + 1] != b"e":
                v, i = parse(i)
                out.append(v)
            return out, i + 1
        if c == b"d":
            out = {}
            i += 1
            last = None
            while data[i:i + 1] != b"e":
                k, i = parse(i)
                check(isinstance(k, bytes), "bencode dict key is not a string")
                check(last is None or k > last, f"bencode dict keys not sorted/unique at {k!r}")
                last = k
                v, i = parse(i)
                out[k] = v
            return out, i + 1
        if c.isdigit():
            colon = data.index(b":", i)
            n = int(data[i:colon])
            start = colon + 1
            check(start + n <= len(data), "bencode string runs past the end")
            return data[start:start + n], start + n
        raise Fail(f"bad bencode at byte {i}: {data[i:i + 20]!r}")

    check(isinstance(data, (bytes, bytearray)) and len(data) > 0, "empty bencode body")
    value, end = parse(0)
    eq(end, len(data), "bencode trailing data")
    return value


def q(value):
    """Percent-encodes a str or bytes value completely (for info_hash and peer_id)."""
    if isinstance(value, str):
        value = value.encode()
    return urllib.parse.quote_from_bytes(value, safe="")


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    """A TCP port that is free on host right now."""
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]
