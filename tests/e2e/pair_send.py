#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Hostile datagrams for tests/e2e/test_pair.sh (run inside a namespace).

  pair_send.py garbage  SRC SPORT DST DPORT   random bytes (malformed)
  pair_send.py badtag   SRC SPORT DST DPORT   a well-formed KSYN HELLO frame
                                              with a random body and tag (auth)
  pair_send.py capture  IFACE SRC DPORT FILE  wait (10 s at most) for one UDP
                                              datagram from SRC to DPORT coming
                                              in on IFACE, keep its IP packet
                                              in FILE
  pair_send.py replay   FILE                  send FILE's IP packet as it was

SRC:SPORT may be another host's (a raw socket with IP_HDRINCL writes the
header), so datagrams can claim a peer's address without its socket.
"""
import os
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_udp(src, sport, dst, dport, payload):
    ulen = 8 + len(payload)
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    pseudo = s + d + struct.pack("!BBH", 0, 17, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0x4000, 64, 17,
                     0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp


def send_raw(pkt):
    dst = socket.inet_ntoa(pkt[16:20])
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.sendto(pkt, (dst, 0))
    s.close()


def main():
    cmd = sys.argv[1]
    if cmd in ("garbage", "badtag"):
        src, sport, dst, dport = (sys.argv[2], int(sys.argv[3]), sys.argv[4],
                                  int(sys.argv[5]))
        if cmd == "garbage":
            payload = os.urandom(100)
        else:
            n = 176  # a HELLO body
            hdr = (b"KSYN" + struct.pack("!BBHI", 1, 1, n, 1) + os.urandom(16)
                   + struct.pack("!QI", 1, 0))
            payload = hdr + os.urandom(n + 16)
        send_raw(ip_udp(src, sport, dst, dport, payload))
    elif cmd == "capture":
        iface, src = sys.argv[2], socket.inet_aton(sys.argv[3])
        dport, out = int(sys.argv[4]), sys.argv[5]
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        s.bind((iface, 0))
        s.settimeout(1.0)
        end = time.time() + 10
        while time.time() < end:
            try:
                f, addr = s.recvfrom(65535)
            except socket.timeout:
                continue
            ip = f[14:]
            if addr[2] == socket.PACKET_OUTGOING or len(ip) < 28 or \
                    ip[9] != 17 or ip[12:16] != src:
                continue
            ihl = (ip[0] & 0xF) * 4
            if struct.unpack("!H", ip[ihl + 2:ihl + 4])[0] == dport:
                with open(out, "wb") as fh:
                    fh.write(ip[:struct.unpack("!H", ip[2:4])[0]])
                return 0
        return 1
    elif cmd == "replay":
        with open(sys.argv[2], "rb") as fh:
            pkt = fh.read()
        # A veth hands the capture a UDP checksum left to offload (only
        # the pseudo-header's sum): rebuild it, the datagram unchanged.
        ihl = (pkt[0] & 0xF) * 4
        src, dst = socket.inet_ntoa(pkt[12:16]), socket.inet_ntoa(pkt[16:20])
        sport, dport = struct.unpack("!HH", pkt[ihl:ihl + 4])
        send_raw(ip_udp(src, sport, dst, dport, pkt[ihl + 8:]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
