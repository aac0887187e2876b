#!/usr/bin/python3
"""python3-libtorrent seeder / leecher for transfer_bench.py (tuned for loopback speed).

usage: lt_peer.py seed     TORRENT DIR PORT [--max-seconds S]
       lt_peer.py download TORRENT DIR PORT [--max-seconds S]

Settings (both modes): lt.high_performance_seed(), then TCP only (enable_outgoing_utp and
enable_incoming_utp False), no rate limits, allow_multiple_connections_per_ip (every peer is
127.0.0.1), DHT/LSD/UPnP/NAT-PMP off, listening on 127.0.0.1:PORT only. Peers come from the
torrent's tracker.

seed:     checks DIR/<name> (libtorrent's full check), prints "READY", then seeds until SIGTERM or
          SIGINT (exit 0) or --max-seconds (exit 2).
download: into DIR; exits 0 at the torrent_finished_alert (every piece passed its SHA-1 check),
          after printing one "METRIC ..." line; exit 3 when --max-seconds passes first.
Run it with /usr/bin/python3: Debian's python3-libtorrent is only importable there.
"""
import argparse
import signal
import sys
import time

import libtorrent as lt

T0 = time.perf_counter()
STOP = False


def log(msg):
    print("[lt_peer %7.3f] %s" % (time.perf_counter() - T0, msg), flush=True)


def on_signal(signum, frame):
    global STOP
    STOP = True


def session_settings(port):
    s = lt.high_performance_seed()
    s.update({
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "listen_interfaces": "127.0.0.1:%d" % port,
        "outgoing_interfaces": "127.0.0.1",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "allow_multiple_connections_per_ip": True,
        "upload_rate_limit": 0,
        "download_rate_limit": 0,
        "alert_mask": (lt.alert.category_t.error_notification
                       | lt.alert.category_t.status_notification
                       | lt.alert.category_t.storage_notification),
    })
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["seed", "download"])
    ap.add_argument("torrent")
    ap.add_argument("dir")
    ap.add_argument("port", type=int)
    ap.add_argument("--max-seconds", type=float, default=600)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    ses = lt.session(session_settings(a.port))
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(a.torrent)
    atp.save_path = a.dir
    h = ses.add_torrent(atp)
    log("libtorrent %s, %s %s on 127.0.0.1:%d" % (lt.__version__, a.mode, atp.ti.name(), a.port))

    deadline = T0 + a.max_seconds
    rc = None
    ready = False
    while rc is None:
        if STOP:
            rc = 0 if a.mode == "seed" else 1
            break
        if time.perf_counter() > deadline:
            log("--max-seconds reached")
            rc = 2 if a.mode == "seed" else 3
            break
        ses.wait_for_alert(100)
        for al in ses.pop_alerts():
            if isinstance(al, (lt.torrent_error_alert, lt.file_error_alert)):
                log("error: %s" % al.message())
            elif isinstance(al, lt.torrent_finished_alert) and a.mode == "download":
                rc = 0
        if a.mode == "seed" and not ready:
            st = h.status()
            if st.is_seeding:
                ready = True
                log("READY seeding")
    st = h.status()
    if a.mode == "download":
        print("METRIC lt_leecher finished=%s after_s=%.3f payload_bytes=%d wasted_bytes=%d "
              "progress=%.4f" % (rc == 0, time.perf_counter() - T0, st.total_payload_download,
                                 st.total_failed_bytes + st.total_redundant_bytes, st.progress),
              flush=True)
    else:
        print("METRIC lt_seeder uploaded_bytes=%d" % st.total_payload_upload, flush=True)
    ses.pause()  # the `stopped` announce is best effort; the session ends with this process
    del h
    del ses
    return rc


if __name__ == "__main__":
    sys.exit(main())
