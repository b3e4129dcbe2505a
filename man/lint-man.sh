#!/bin/bash
# Renders a man page with every groff warning enabled, and lints it with
# mandoc when that is installed (contrib/install-deps.sh --test installs
# it): any warning fails.
set -euo pipefail
page=$1
out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1)
if command -v mandoc >/dev/null; then
  out+=$(mandoc -T lint -W warning "$page" 2>&1 || true)
  linters="groff -ww, mandoc -T lint"
elif [ -n "${CI:-}" ]; then
  echo "mandoc is missing (CI=$CI)" >&2
  exit 1
else
  linters="groff -ww (no mandoc)"
fi
if [ -n "$out" ]; then echo "$out"; exit 1; fi
echo "$page: no warnings from $linters"
