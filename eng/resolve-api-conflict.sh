#!/usr/bin/env bash
# After a merge conflict in PublicAPI.Unshipped.txt: keep the lines of both sides, sorted (the file is a set).
set -euo pipefail
api=src/Multiprocessing/PublicAPI.Unshipped.txt
{ head -n1 "$api"; tail -n +2 "$api" | grep -vE '^(<<<<<<<|=======|>>>>>>>)' | sort -u; } > "$api.tmp" && mv "$api.tmp" "$api"
git add "$api"
