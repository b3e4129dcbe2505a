#!/usr/bin/python3
"""AddPortForward / RemovePortForward over one D-Bus connection (GLib's Gio,
as gdbus): `add FIRST COUNT TARGET` adds tcp/FIRST..FIRST+COUNT-1 forwards
to TARGET port 80 and prints the p50/p99/max of the calls in µs;
`remove FIRST COUNT` removes them. The bus is DBUS_SYSTEM_BUS_ADDRESS."""
import sys
import time

from gi.repository import Gio, GLib

SWITCH = "/org/vswitch1/switch/Default"


def main():
    verb, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    times = []
    for port in range(first, first + count):
        if verb == "add":
            args = GLib.Variant("(ssssqa{sv})", ("tcp", "", str(port), sys.argv[4], 80, {}))
            method = "AddPortForward"
        else:
            args = GLib.Variant("(s)", (f"tcp/{port}",))
            method = "RemovePortForward"
        t0 = time.perf_counter_ns()
        bus.call_sync("org.vswitch1", SWITCH, "org.vswitch1.Switch", method, args, None,
                      Gio.DBusCallFlags.NONE, 10000, None)
        times.append((time.perf_counter_ns() - t0) // 1000)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{verb} {count} p50={p(0.5)}us p99={p(0.99)}us max={times[-1]}us total={sum(times) // 1000}ms")


if __name__ == "__main__":
    main()
