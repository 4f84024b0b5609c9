#!/usr/bin/env bash
# Adds the public symbols the PublicAPI analyzer reports as undeclared (RS0016) to PublicAPI.Unshipped.txt and
# removes the ones it reports as gone (RS0017). Run from the repository root; review the diff before committing.
set -euo pipefail
api=src/Multiprocessing/PublicAPI.Unshipped.txt
out=$(dotnet build src/Multiprocessing --no-incremental 2>&1 || true)
{ grep -oP "RS0016: Symbol '\K.*?(?=' is not part of the declared public API)" <<<"$out" || true; } | sort -u >> "$api"

{ grep -oP "RS0017: Symbol '\K.*?(?=' is part of the declared API)" <<<"$out" || true; } | sort -u | while IFS= read -r sym; do
  grep -vxF -- "$sym" "$api" > "$api.tmp" || true; mv "$api.tmp" "$api"
done
{ head -n1 "$api"; tail -n +2 "$api" | sort -u; } > "$api.tmp" && mv "$api.tmp" "$api"
dotnet build src/Multiprocessing 2>&1 | grep -E "error|Build succeeded" | sort -u | head -20
