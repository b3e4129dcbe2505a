#!/usr/bin/env python3
"""Stands in for systemd's notification socket: binds a unix datagram socket
at PATH, prints every notification line it receives, and exits 0 on READY=1,
or 1 after TIMEOUT seconds without it. Used by lib.sh's vsi_start_daemon."""

import os
import socket
import sys
import time

# sd_notify messages are small; systemd itself reads at most one page.
MAX_MESSAGE_BYTES = 4096


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: notify_wait.py SOCKET_PATH TIMEOUT_SECONDS", file=sys.stderr)
        return 2
    path, timeout = sys.argv[1], float(sys.argv[2])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock.bind(path)
    # The daemon may run as another user in the not-root test.
    os.chmod(path, 0o777)
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                print("timeout: no READY=1", file=sys.stderr)
                return 1
            sock.settimeout(left)
            try:
                data = sock.recv(MAX_MESSAGE_BYTES)
            except socket.timeout:
                continue
            lines = data.decode("utf-8", "replace").splitlines()
            for line in lines:
                print(line, flush=True)
            if "READY=1" in lines:
                return 0
    finally:
        sock.close()
        os.unlink(path)


if __name__ == "__main__":
    sys.exit(main())
