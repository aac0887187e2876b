"""What test_torrent_interop.py and test_tracker_interop.py share: the liketorrent binary and
the child environment (module state, set by main() for each case), the small assertion helpers,
the skip for a missing tool, and the runner main() with its output lines and exit codes.

Standard library only (libtorrent is imported if present; `lt` is None without it). Each script
imports this module from its own directory:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import interop_common as common
"""

import os
import shutil
import sys
import tempfile
import time
import traceback

try:
    import libtorrent as lt
except ImportError:  # reported per case as a skip
    lt = None

SKIP = 77

BIN = None  # the liketorrent binary (argv[1]), set by main()
ENV = None  # environment for every child process, set by main() for each case


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def eq(got, expected, what):
    if got != expected:
        raise AssertionError("%s: expected %r, got %r" % (what, expected, got))


def need(*tools):
    for tool in tools:
        if tool == "libtorrent":
            if lt is None:
                raise Skip("python3-libtorrent (import libtorrent with %s)" % sys.executable)
        elif shutil.which(tool) is None:
            raise Skip(tool)


def main(argv, doc, cases, tmp_prefix, summary_label, own_home=False, make_procs=None):
    """Runs the cases named in argv[2:] (all of them without names), each in its own temporary
    directory (prefix tmp_prefix + case name + "-", removed afterwards); returns the exit status:
    0 all passed, 1 a case failed, SKIP (77) a needed tool is missing, 2 bad usage.

    own_home: the children also get HOME=tmp and XDG_CACHE_HOME under it.
    make_procs: if given, make_procs(tmp) is passed to each case as its second argument; it must
    have stop_all() (called after every case) and dump_logs() (called after a failure), and a
    failure also reports the case's time."""
    global BIN, ENV
    if len(argv) >= 2 and argv[1] == "--list":
        print("\n".join(cases))
        return 0
    if len(argv) < 2:
        print(doc, file=sys.stderr)
        return 2
    BIN = os.path.abspath(argv[1])
    if not os.access(BIN, os.X_OK):
        print("not an executable: %s" % BIN, file=sys.stderr)
        return 2
    names = argv[2:] or list(cases)
    unknown = [n for n in names if n not in cases]
    if unknown:
        print("unknown case(s): %s (have: %s)" % (" ".join(unknown), " ".join(cases)),
              file=sys.stderr)
        return 2

    failed, skipped, passed = [], [], []
    for name in names:
        tmp = tempfile.mkdtemp(prefix="%s%s-" % (tmp_prefix, name))
        ENV = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8",
                   XDG_DATA_HOME=os.path.join(tmp, "xdg-data"),
                   XDG_CONFIG_HOME=os.path.join(tmp, "xdg-config"))
        if own_home:
            ENV.update(HOME=tmp, XDG_CACHE_HOME=os.path.join(tmp, "xdg-cache"))
        procs = make_procs(tmp) if make_procs else None
        t0 = time.monotonic()
        try:
            if procs is None:
                cases[name](tmp)
            else:
                cases[name](tmp, procs)
            passed.append(name)
            print("PASS %s (%.1f s)" % (name, time.monotonic() - t0))
        except Skip as e:
            skipped.append(name)
            print("!!! SKIPPED: %s not installed (case %s)" % (e, name))
        except Exception:
            failed.append(name)
            if procs is None:
                print("FAIL %s\n%s" % (name, traceback.format_exc()))
            else:
                print("FAIL %s (%.1f s)\n%s" % (name, time.monotonic() - t0,
                                                traceback.format_exc()))
                procs.stop_all()
                procs.dump_logs()
        finally:
            if procs is not None:
                procs.stop_all()
            shutil.rmtree(tmp, ignore_errors=True)
        sys.stdout.flush()
    print("%s: %d passed, %d failed%s, %d skipped%s" % (
        summary_label, len(passed), len(failed), (" (" + " ".join(failed) + ")") if failed else "",
        len(skipped), (" (" + " ".join(skipped) + ")") if skipped else ""))
    if failed:
        return 1
    if skipped:
        return SKIP
    return 0
