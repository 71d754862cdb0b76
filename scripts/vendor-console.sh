#!/usr/bin/env bash
# Re-vendor the web console's JavaScript libraries from the npm registry at pinned versions
# (docs/console.md). The console loads them from the package: no CDN, no Node at run time.
#
#   cytoscape  MIT  graph rendering: compound (nested) nodes, pan, zoom, selection
#
# The layout is computed by vpcsim itself (vpcsim/console/layout.py: deterministic, no overlap,
# tested), so no layout library is vendored. Needs npm and tar; writes only
# src/vpcsim/console/static/vendor/. Idempotent: the same versions give the same files.
set -euo pipefail
cd "$(dirname "$0")/.."

CYTOSCAPE_VERSION=3.35.0

vendor=src/vpcsim/console/static/vendor
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "cytoscape@${CYTOSCAPE_VERSION}" >/dev/null)
tar -xzf "$work/cytoscape-${CYTOSCAPE_VERSION}.tgz" -C "$work"
mkdir -p "$vendor"
cp "$work/package/dist/cytoscape.esm.min.mjs" "$vendor/cytoscape.esm.min.mjs"
cp "$work/package/LICENSE" "$vendor/cytoscape.LICENSE"
printf 'cytoscape %s (npm, MIT): cytoscape.esm.min.mjs, cytoscape.LICENSE\n' "$CYTOSCAPE_VERSION" >"$vendor/VERSIONS"
echo "vendor-console: cytoscape ${CYTOSCAPE_VERSION} -> $vendor"
