#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""The stress suite's helpers (tests/stress/README.md), run by
tests/stress/stress_lib.sh inside the site's namespaces:

  sample   what a user sees during an attack: `lbctl status` every
           INTERVAL ms (latency, failures, every real's state), and lbd's
           metrics every second (its event loop's longest stall, when lbd
           exposes a metric whose name contains "stall"); on SIGTERM it
           prints one JSON summary line.
  crowd    N clients on a Unix or TCP listener: idle ones, and slow ones
           that send a request one byte a second; a client whose
           connection is closed connects again after 0.5-1.5 s.  On
           SIGTERM it prints one JSON summary line.
  capture  one UDP payload from SRC to PORT, read with an AF_PACKET socket
           (an agent's report, to replay later), written to FILE.

Every loop is bounded in time (--max-seconds).
"""
import argparse
import json
import os
import random
import re
import resource
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time

stop = False


def on_term(_sig, _frm):
    global stop
    stop = True


def percentile(vals, p):
    """Nearest-rank percentile of a list (None when empty)."""
    if not vals:
        return None
    s = sorted(vals)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


# --- sample ---------------------------------------------------------------

STALL_UNITS = ((r"_seconds$", 1000.0), (r"_(ms|milliseconds)$", 1.0),
               (r"_(us|microseconds)$", 0.001))


def http_get(host, port, path, timeout):
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)).encode())
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    finally:
        s.close()
    data = b"".join(chunks).decode(errors="replace")
    return data.split("\r\n\r\n", 1)[-1]


def stall_metrics(text):
    """{name: ms} of the gauges whose name contains 'stall' (no 'le'
    label: not histogram buckets), in milliseconds by the name's unit;
    and the histogram's cumulative buckets {le_ms: count}."""
    gauges, buckets = {}, {}
    for line in text.splitlines():
        if line.startswith("#") or "stall" not in line:
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if not m:
            continue
        name, labels, val = m.group(1), m.group(2) or "", m.group(3)
        try:
            v = float(val)
        except ValueError:
            continue
        base = re.sub(r"_(bucket|sum|count|total)$", "", name)
        scale = None
        for pat, f in STALL_UNITS:
            if re.search(pat, base):
                scale = f
        if name.endswith("_bucket"):
            le = re.search(r'le="([^"]+)"', labels)
            if le and scale is not None:
                bound = float("inf") if le.group(1) == "+Inf" else float(le.group(1)) * scale
                buckets[bound] = v
            continue
        if name.endswith(("_sum", "_count", "_total")) or scale is None:
            continue
        gauges[name] = v * scale
    return gauges, buckets


def cmd_sample(a):
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    lat, fails, n, why = [], 0, 0, []
    states, changes = {}, []
    g_first, g_max, b_first, b_last = None, {}, None, None
    t_end = time.monotonic() + a.max_seconds
    next_metrics = 0.0
    while not stop and time.monotonic() < t_end:
        t0 = time.monotonic()
        try:
            r = subprocess.run([a.lbctl, "--socket", a.socket, "--json",
                                "--timeout", str(a.timeout), "status"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=a.timeout + 2)
            rc, out, err = r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired:
            rc, out, err = -1, b"", b"lbctl did not return"

        dt = (time.monotonic() - t0) * 1000.0
        n += 1
        lat.append(dt)
        if rc != 0:
            fails += 1
            if len(why) < 5:
                why.append("rc %d after %.0f ms: %s" % (rc, dt, err.decode(errors="replace").strip()[:200]))
        else:
            try:
                st = json.loads(out)
                for svc in st.get("services", []):
                    for real in svc.get("reals", []):
                        k = "%s %s" % (svc["service"], real["real"])
                        v = "%s/%s" % (real.get("state"), real.get("source"))
                        if k in states and states[k] != v:
                            changes.append([round(time.time(), 3), k, states[k], v])
                        states[k] = v
            except (ValueError, KeyError, TypeError) as e:
                fails += 1
                if len(why) < 5:
                    why.append("bad answer: %s" % e)
        if a.metrics and time.monotonic() >= next_metrics:
            next_metrics = time.monotonic() + 1.0
            try:
                host, port = a.metrics.rsplit(":", 1)
                g, b = stall_metrics(http_get(host, int(port), "/metrics", 2))
                if g_first is None:
                    g_first = g
                for k, v in g.items():
                    g_max[k] = max(g_max.get(k, 0.0), v)
                if b:
                    if b_first is None:
                        b_first = b
                    b_last = b
            except OSError:
                pass
        left = a.interval / 1000.0 - (time.monotonic() - t0)
        if left > 0:
            time.sleep(left)
    stall = None
    if g_max:
        # The gauge of the longest stall (a name with "max" first).
        names = sorted(g_max, key=lambda k: ("max" not in k, k))
        stall = {"metric": names[0], "max_ms": round(g_max[names[0]], 1),
                 "before_ms": round((g_first or {}).get(names[0], 0.0), 1)}
    if b_first and b_last:
        # The largest bucket bound whose count grew during the sample.
        grew = [le for le in b_last if b_last[le] > b_first.get(le, 0)]
        below = [le for le in sorted(b_last) if b_last[le] - b_first.get(le, 0) ==
                 b_last.get(float("inf"), 0) - b_first.get(float("inf"), 0)]
        stall = stall or {}
        le = min(below) if below else None
        if le == float("inf"):
            le = "> %g" % max(b for b in b_last if b != float("inf"))
        stall["hist_le_ms"] = le
        stall["hist_moved"] = bool(grew)
    print(json.dumps({
        "status_n": n, "status_failed": fails,
        "p50_ms": round(percentile(lat, 50), 1) if lat else None,
        "p99_ms": round(percentile(lat, 99), 1) if lat else None,
        "max_ms": round(max(lat), 1) if lat else None,
        "failures": why, "changes": changes, "stall": stall}))


# --- crowd ----------------------------------------------------------------

class Client:
    __slots__ = ("sock", "slow", "sent", "due", "reconnect_at", "connected")

    def __init__(self, slow):
        self.sock = None
        self.slow = slow
        self.sent = 0
        self.due = 0.0
        self.reconnect_at = 0.0
        self.connected = False


def cmd_crowd(a):
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    if a.unix:
        fam, addr = socket.AF_UNIX, a.unix
        req = b'{"cmd":"status"}\n'
    else:
        host, port = a.tcp.rsplit(":", 1)
        fam, addr = socket.AF_INET, (host, int(port))
        req = b"GET /metrics HTTP/1.1\r\nHost: lb\r\n\r\n"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, a.clients + 256)), hard))
    sel = selectors.DefaultSelector()
    clients = [Client(i < a.slow) for i in range(a.clients)]
    stats = {"connects": 0, "connect_errors": 0, "closed_by_server": 0,
             "max_open": 0, "bytes_sent": 0}
    t_end = time.monotonic() + a.max_seconds
    rnd = random.Random(1)

    def connect(c, now):
        s = socket.socket(fam, socket.SOCK_STREAM)
        # A Unix connect does not complete later: a full backlog is
        # EAGAIN at once, so it gets a short blocking try.
        s.settimeout(0.05 if fam == socket.AF_UNIX else 0)
        try:
            s.connect(addr)
        except BlockingIOError:
            if fam == socket.AF_UNIX:
                s.close()
                stats["connect_errors"] += 1
                c.reconnect_at = now + 0.5 + rnd.random()
                return
        except OSError:
            s.close()
            stats["connect_errors"] += 1
            c.reconnect_at = now + 0.5 + rnd.random()
            return
        s.setblocking(False)
        c.sock, c.sent, c.connected = s, 0, True
        c.due = now + rnd.random()
        stats["connects"] += 1
        sel.register(s, selectors.EVENT_READ, c)

    def drop(c, now):
        sel.unregister(c.sock)
        c.sock.close()
        c.sock, c.connected = None, False
        c.reconnect_at = now + 0.5 + rnd.random()

    opened = 0
    while not stop and time.monotonic() < t_end:
        now = time.monotonic()
        # Connect (and reconnect) at most a burst per turn.
        burst = 0
        for c in clients:
            if not c.connected and now >= c.reconnect_at and burst < 200:
                connect(c, now)
                burst += 1
        for key, _ in sel.select(timeout=0.05):
            c = key.data
            try:
                b = c.sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                b = b""
            if not b:
                stats["closed_by_server"] += 1
                drop(c, now)
            # What the server answers a slow client is thrown away.
        now = time.monotonic()
        for c in clients:
            if c.connected and c.slow and now >= c.due:
                c.due = now + 1.0
                try:
                    if c.sock.send(req[c.sent % len(req):c.sent % len(req) + 1]) == 1:
                        c.sent += 1
                        stats["bytes_sent"] += 1
                except BlockingIOError:
                    pass
                except OSError:
                    stats["closed_by_server"] += 1
                    drop(c, now)
        opened = sum(1 for c in clients if c.connected)
        stats["max_open"] = max(stats["max_open"], opened)
    stats["open_at_end"] = opened
    print(json.dumps(stats), flush=True)


# --- capture --------------------------------------------------------------

def cmd_capture(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((a.dev, 0))
    s.settimeout(0.5)
    src = socket.inet_aton(a.src)
    t_end = time.monotonic() + a.max_seconds
    while time.monotonic() < t_end:
        try:
            f = s.recv(4096)
        except socket.timeout:
            continue
        ip = f[14:]
        if len(ip) < 28 or ip[9] != 17 or ip[12:16] != src:
            continue
        ihl = (ip[0] & 15) * 4
        sport, dport, ulen = struct.unpack("!HHH", ip[ihl:ihl + 6])
        if dport != a.port:
            continue
        with open(a.out, "wb") as o:
            o.write(ip[ihl + 8:ihl + ulen])
        print("captured %d bytes from %s to port %d" % (ulen - 8, a.src, dport))
        return 0
    print("nothing captured from %s to port %d" % (a.src, a.port), file=sys.stderr)
    return 1


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--lbctl", required=True)
    s.add_argument("--socket", required=True)
    s.add_argument("--interval", type=int, default=150, help="ms")
    s.add_argument("--timeout", type=float, default=3.0, help="lbctl --timeout")
    s.add_argument("--metrics", help="HOST:PORT of lbd's metrics")
    s.add_argument("--max-seconds", type=float, default=900)
    c = sub.add_parser("crowd")
    g = c.add_mutually_exclusive_group(required=True)
    g.add_argument("--unix")
    g.add_argument("--tcp")
    c.add_argument("--clients", type=int, required=True)
    c.add_argument("--slow", type=int, default=0, help="of them, 1 byte/s")
    c.add_argument("--max-seconds", type=float, default=900)
    k = sub.add_parser("capture")
    k.add_argument("--dev", required=True)
    k.add_argument("--src", required=True)
    k.add_argument("--port", type=int, required=True)
    k.add_argument("--out", required=True)
    k.add_argument("--max-seconds", type=float, default=10)
    a = p.parse_args()
    if a.cmd == "sample":
        cmd_sample(a)
    elif a.cmd == "crowd":
        cmd_crowd(a)
    else:
        sys.exit(cmd_capture(a))


if __name__ == "__main__":
    main()
