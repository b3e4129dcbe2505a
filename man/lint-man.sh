#!/bin/bash
# Renders a man page with every groff warning enabled; any warning fails.
set -euo pipefail
out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$1" 2>&1)
if [ -n "$out" ]; then echo "$out"; exit 1; fi
echo "$1: renders without warnings"
