#!/usr/bin/env python3
"""A TCP peer for the integration tests.

  tcp_probe.py serve ADDR PORT LOG      accept forever; append each peer's
                                         address to LOG and send it back
  tcp_probe.py connect ADDR PORT TIMEOUT connect, print the server's line;
                                         exit 1 with the reason on failure
"""

import socket
import sys

# Enough for "seen <address>\n"; nothing else is ever sent.
MAX_REPLY_BYTES = 256


def serve(addr: str, port: int, log: str) -> int:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(16)
    print(f"listening {addr}:{port}", flush=True)
    while True:
        conn, peer = srv.accept()
        with conn:
            with open(log, "a", encoding="ascii") as f:
                f.write(peer[0] + "\n")
            conn.sendall(f"seen {peer[0]}\n".encode())


def connect(addr: str, port: int, timeout: float) -> int:
    try:
        with socket.create_connection((addr, port), timeout=timeout) as conn:
            reply = conn.recv(MAX_REPLY_BYTES).decode("ascii", "replace").strip()
    except OSError as e:
        print(f"connect {addr}:{port}: {e}", file=sys.stderr)
        return 1
    print(reply)
    return 0


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "serve":
        return serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    if len(sys.argv) == 5 and sys.argv[1] == "connect":
        return connect(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
