#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""A misbehaving BGP peer for tests/e2e/test_bgp_bird.sh.

Connects to the announcer (configured with this peer as passive), sends
one malformed input per case (or, in the collision cases, opens two
connections in the order of a collision) and prints one line per case:

    CASE <name> notif <code>/<subcode>     the NOTIFICATION received
    CASE <name> kept                       no NOTIFICATION, session kept
    CASE <name> closed                     closed without a NOTIFICATION
    CASE <name> established                OPEN, KEEPALIVE exchanged

Usage: bgp_bad_peer.py ANNOUNCER_ADDR LOCAL_ADDR MY_AS PEER_AS [CASE...]
Plain sockets: the messages are built here byte by byte.
"""
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(mtype, body, marker=MARKER, length=None):
    if length is None:
        length = 19 + len(body)
    return marker + struct.pack("!HB", length, mtype) + body


def open_msg(my_as, bgp_id, hold=9, version=4, as4=None):
    caps = b""
    caps += b"\x01\x04\x00\x01\x00\x01"  # MP IPv4 unicast
    caps += b"\x01\x04\x00\x02\x00\x01"  # MP IPv6 unicast
    caps += b"\x02\x00"  # route refresh
    caps += b"\x41\x04" + struct.pack("!I", as4 if as4 is not None else my_as)
    params = b"\x02" + bytes([len(caps)]) + caps
    body = struct.pack("!BHH4sB", version, my_as if my_as < 65536 else 23456,
                       hold, socket.inet_aton(bgp_id), len(params)) + params
    return msg(1, body)


KEEPALIVE = msg(4, b"")


def update_bad_origin():
    # ORIGIN 5 (RFC 7606 section 7.1: treat-as-withdraw), AS_PATH, NEXT_HOP,
    # NLRI 198.51.100.0/24.
    attrs = b"\x40\x01\x01\x05"
    attrs += b"\x40\x02\x06\x02\x01" + struct.pack("!I", 65099)
    attrs += b"\x40\x03\x04" + socket.inet_aton("10.99.3.1")
    nlri = b"\x18\xc6\x33\x64"
    body = struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri
    return msg(2, body)


def update_overrun():
    # Withdrawn Routes Length larger than the message: 3/1.
    body = struct.pack("!H", 200) + b"\x00\x00"
    return msg(2, body)


class Session:
    def __init__(self, dst, src):
        self.s = socket.create_connection((dst, 179), timeout=5,
                                          source_address=(src, 0))
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def recv_msg(self, timeout):
        """One whole message as (type, body), None on close/timeout."""
        end = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 19:
                length = struct.unpack("!H", self.buf[16:18])[0]
                if length >= 19 and len(self.buf) >= length:
                    m, self.buf = self.buf[:length], self.buf[length:]
                    return m[18], m[19:]
            left = end - time.monotonic()
            if left <= 0:
                return "timeout"
            self.s.settimeout(left)
            try:
                d = self.s.recv(4096)
            except socket.timeout:
                return "timeout"
            except OSError:
                return None
            if not d:
                return None
            self.buf += d

    def wait_notif(self, timeout=3):
        """Skip to the NOTIFICATION: (code, subcode), 'closed', 'timeout'."""
        while True:
            r = self.recv_msg(timeout)
            if r is None:
                return "closed"
            if r == "timeout":
                return "timeout"
            t, body = r
            if t == 3:
                return body[0], body[1]

    def handshake(self, my_as, bgp_id):
        return self.open_exchange(my_as, bgp_id) == "established"

    def open_exchange(self, my_as, bgp_id):
        """OPEN sent, OPEN and KEEPALIVE received, KEEPALIVE sent:
        'established', or the (code, subcode) of a NOTIFICATION, 'closed',
        'timeout'."""
        self.send(open_msg(my_as, bgp_id))
        got_open = got_ka = False
        while not (got_open and got_ka):
            r = self.recv_msg(5)
            if r is None:
                return "closed"
            if r == "timeout":
                return "timeout"
            t, body = r
            if t == 1:
                got_open = True
                self.send(KEEPALIVE)
            elif t == 4:
                got_ka = True
            elif t == 3:
                return body[0], body[1]
        return "established"

    def close(self):
        self.s.close()


def result(r):
    return "notif %d/%d" % r if isinstance(r, tuple) else r


def collision(name, dst, src, my_as):
    """RFC 4271 section 6.8: a second connection arrives while the first
    is in OpenSent; the announcer parks it until its OPEN.
    - collision_ours_stays: its OPEN has a lower BGP Identifier than the
      announcer's 10.99.1.2: refused with 6/7;
    - collision_peers_stays: a higher one (src): the first gets 6/7, the
      second is taken;
    - parked_after_collision: the first closes before the second's OPEN:
      nothing collides any more, so it is taken (seen with a router whose
      hold timer expired while it was stopped);
    - parked_after_openconfirm: the same with the first in OpenConfirm
      (its OPEN sent, the announcer's KEEPALIVE received)."""
    first = Session(dst, src)
    r = first.recv_msg(3)  # the announcer's OPEN: it is in OpenSent
    if not (isinstance(r, tuple) and r[0] == 1):
        first.close()
        return "no-open-on-the-first"
    if name == "parked_after_openconfirm":
        first.send(open_msg(my_as, src))
        r = first.recv_msg(3)
        if not (isinstance(r, tuple) and r[0] == 4):
            first.close()
            return "no-keepalive-on-the-first"
    second = Session(dst, src)
    time.sleep(0.3)  # accepted and parked
    if name == "collision_ours_stays":
        res = result(second.open_exchange(my_as, "10.0.0.1"))
    elif name == "collision_peers_stays":
        r2 = second.open_exchange(my_as, src)
        res = "first %s, second %s" % (result(first.wait_notif()), result(r2))
    else:
        first.close()  # OpenSent -> Active, OpenConfirm -> Idle
        time.sleep(0.3)
        res = result(second.open_exchange(my_as, src))
    first.close()
    second.close()
    return res


def run_case(name, dst, src, my_as, peer_as):
    bgp_id = src
    if name in ("collision_ours_stays", "collision_peers_stays",
                "parked_after_collision", "parked_after_openconfirm"):
        return collision(name, dst, src, my_as)
    sess = Session(dst, src)
    res = None
    if name == "bad_marker":
        sess.send(msg(1, open_msg(my_as, bgp_id)[19:], marker=b"\xff" * 15 + b"\x00"))
    elif name == "bad_length":
        sess.send(msg(4, b"", length=18))
    elif name == "long_length":
        sess.send(msg(4, b"", length=4097))
    elif name == "unknown_type":
        sess.send(msg(7, b""))
    elif name == "keepalive_length":
        sess.send(msg(4, b"\x00"))
    elif name == "open_version":
        sess.send(open_msg(my_as, bgp_id, version=3))
    elif name == "open_hold1":
        sess.send(open_msg(my_as, bgp_id, hold=1))
    elif name == "open_hold2":
        sess.send(open_msg(my_as, bgp_id, hold=2))
    elif name == "open_bad_id":
        sess.send(open_msg(my_as, "0.0.0.0"))
    elif name == "open_bad_as":
        sess.send(open_msg(my_as + 1, bgp_id))
    elif name == "truncated_open":
        # The header promises more than is sent, then the peer closes.
        m = open_msg(my_as, bgp_id)
        sess.send(m[:25])
        time.sleep(0.2)
        sess.close()
        return "closed"
    elif name == "update_attr_error":
        if not sess.handshake(my_as, bgp_id):
            sess.close()
            return "handshake-failed"
        sess.send(update_bad_origin())
        sess.send(KEEPALIVE)
        r = sess.wait_notif(timeout=1.5)
        sess.close()
        return "kept" if r == "timeout" else r
    elif name == "update_overrun":
        if not sess.handshake(my_as, bgp_id):
            sess.close()
            return "handshake-failed"
        sess.send(update_overrun())
    elif name == "update_in_opensent":
        sess.send(msg(2, b"\x00\x00\x00\x00"))
    else:
        raise SystemExit("unknown case " + name)
    res = sess.wait_notif()
    sess.close()
    return res


def main():
    dst, src, my_as, peer_as = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    for name in sys.argv[5:]:
        try:
            r = result(run_case(name, dst, src, my_as, peer_as))
        except OSError as e:
            r = "error " + str(e)
        print("CASE %s %s" % (name, r), flush=True)
        # The announcer goes Idle after each error, accepting at once.
        time.sleep(0.1)


if __name__ == "__main__":
    main()
