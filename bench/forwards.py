#!/usr/bin/python3
"""Port forwards over D-Bus, one connection (GLib's Gio); run inside the
upstream namespace, the bus's socket being a path.
  adds FIRST COUNT TARGET TPORT   AddPortForward tcp/FIRST.. and p50/p99/max
  removes FIRST COUNT             RemovePortForward of those
  first FIRST COUNT HOST TARGET TPORT
      for each port: AddPortForward, then connect to HOST:port until one
      succeeds; prints p50/max of the time from the reply to that connect."""
import socket
import sys
import time

from gi.repository import Gio, GLib

SWITCH = "/org/vswitch1/switch/Default"
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)


def call(method, sig, args):
    bus.call_sync("org.vswitch1", SWITCH, "org.vswitch1.Switch", method, GLib.Variant(sig, args), None,
                  Gio.DBusCallFlags.NONE, 10000, None)


def add(port, target, tport):
    call("AddPortForward", "(ssssqa{sv})", ("tcp", "", str(port), target, tport, {}))


def pct(times, q):
    times = sorted(times)
    return times[min(len(times) - 1, int(q * len(times)))]


def main():
    verb = sys.argv[1]
    first, count = int(sys.argv[2]), int(sys.argv[3])
    times = []
    for port in range(first, first + count):
        t0 = time.perf_counter_ns()
        if verb == "adds":
            add(port, sys.argv[4], int(sys.argv[5]))
        elif verb == "removes":
            call("RemovePortForward", "(s)", (f"tcp/{port}",))
        else:
            host, target, tport = sys.argv[4], sys.argv[5], int(sys.argv[6])
            add(port, target, tport)
            t0 = time.perf_counter_ns()  # from the reply
            while True:
                s = socket.socket()
                s.settimeout(1)
                try:
                    s.connect((host, port))
                    break
                except OSError:
                    time.sleep(0.0002)
                finally:
                    s.close()
        times.append((time.perf_counter_ns() - t0) / 1000)
    print(f"{verb} n={count} p50={pct(times, 0.5):.0f}us p99={pct(times, 0.99):.0f}us max={max(times):.0f}us")


if __name__ == "__main__":
    main()
