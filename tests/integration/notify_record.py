#!/usr/bin/env python3
"""Plays systemd's side of sd_notify for tests/integration/notify.sh.

Binds a unix datagram socket at SOCKET and writes every notification line to
stdout as "<CLOCK_MONOTONIC seconds> <pid> <line>", until STOPPING=1 has arrived
and the sender has gone quiet, or TIMEOUT seconds pass. The sender's pid comes
from SCM_CREDENTIALS, as systemd reads it.

On READY=1 it freezes the sender (SIGSTOP), runs the shell command given with
--on-ready while nothing in the daemon can move on, records that command's
exit status as a line "<t> <pid> ON_READY_RC=<rc>", and thaws the sender
(SIGCONT). So the command sees exactly what the daemon had done when it said
READY=1: a bus name requested after READY=1 would not be owned yet."""

import argparse
import os
import signal
import socket
import struct
import subprocess
import sys
import time

# systemd reads notifications of at most one page too.
MAX_MESSAGE_BYTES = 4096
# How long after STOPPING=1 we keep listening for late lines.
STOPPING_GRACE_S = 0.5
UCRED = struct.Struct("iII")  # pid, uid, gid


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("timeout", type=float)
    ap.add_argument("--on-ready", default="")
    args = ap.parse_args()

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    try:
        os.unlink(args.socket)
    except FileNotFoundError:
        pass
    sock.bind(args.socket)
    os.chmod(args.socket, 0o777)  # the daemon may run as another uid
    start = time.monotonic()
    deadline = start + args.timeout
    stopping_at = None
    try:
        while True:
            now = time.monotonic()
            end = deadline if stopping_at is None else min(deadline, stopping_at + STOPPING_GRACE_S)
            if now >= end:
                return 0 if stopping_at is not None else 1
            sock.settimeout(end - now)
            try:
                data, anc, _, _ = sock.recvmsg(MAX_MESSAGE_BYTES, socket.CMSG_SPACE(UCRED.size))
            except socket.timeout:
                continue
            t = time.monotonic()
            pid = 0
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = UCRED.unpack(payload[: UCRED.size])[0]
            lines = data.decode("utf-8", "replace").splitlines()
            for line in lines:
                print(f"{t:.3f} {pid} {line}", flush=True)
            if "READY=1" in lines and args.on_ready and pid > 0:
                os.kill(pid, signal.SIGSTOP)
                try:
                    env = dict(os.environ, DAEMON_PID=str(pid))
                    rc = subprocess.run(["sh", "-c", args.on_ready], env=env, stdout=sys.stderr,
                                        check=False).returncode
                finally:
                    os.kill(pid, signal.SIGCONT)
                print(f"{time.monotonic():.3f} {pid} ON_READY_RC={rc}", flush=True)
            if "STOPPING=1" in lines and stopping_at is None:
                stopping_at = time.monotonic()
    finally:
        sock.close()
        os.unlink(args.socket)


if __name__ == "__main__":
    sys.exit(main())
