#!/bin/bash
# Runs a privileged gtest binary inside a fresh, private network namespace
# that disappears with the process: nothing it creates can reach the host's
# own network. Not root: skip (77) on a developer's machine, fail under CI.
if [ "$(id -u)" != 0 ]; then
  if [ -n "${CI:-}" ]; then echo "privileged tests need root (CI=$CI)" >&2; exit 1; fi
  echo "not root: skipping privileged tests" >&2; exit 77
fi
exec unshare --net -- "$@"
