#!/usr/bin/env python3
"""A long-lived TCP connection for external.sh: does it survive a switch-over?

  tcp_hold.py serve ADDR PORT          echo every line back, per connection
  tcp_hold.py hold ADDR PORT SECONDS   one connection for SECONDS: a line
                                       every 50 ms, each echoed within 3 s;
                                       prints what it saw, exit 1 on a break
"""

import socket
import sys
import threading
import time

LINE_INTERVAL_S = 0.05
ECHO_TIMEOUT_S = 3.0


def echo(conn: socket.socket) -> None:
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:
                return
            conn.sendall(data)


def serve(addr: str, port: int) -> int:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(4)
    print(f"listening {addr}:{port}", flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def hold(addr: str, port: int, seconds: float) -> int:
    start = time.monotonic()
    longest = 0.0
    n = 0
    try:
        with socket.create_connection((addr, port), timeout=ECHO_TIMEOUT_S) as conn:
            conn.settimeout(ECHO_TIMEOUT_S)
            while time.monotonic() - start < seconds:
                line = f"{n}\n".encode()
                sent = time.monotonic()
                conn.sendall(line)
                got = b""
                while not got.endswith(b"\n"):
                    chunk = conn.recv(64)
                    if not chunk:
                        raise OSError("closed by the server")
                    got += chunk
                if got != line:
                    raise OSError(f"echo {got!r} for {line!r}")
                longest = max(longest, time.monotonic() - sent)
                n += 1
                time.sleep(LINE_INTERVAL_S)
    except OSError as e:
        print(f"broken after {n} lines ({time.monotonic() - start:.2f} s): {e}", flush=True)
        return 1
    print(f"{n} lines echoed over {seconds:g} s, slowest echo {longest * 1000:.1f} ms", flush=True)
    return 0


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        return serve(sys.argv[2], int(sys.argv[3]))
    if len(sys.argv) == 5 and sys.argv[1] == "hold":
        return hold(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
