#!/bin/sh
# post.sh — the peer workload entry: unpacked from post.tgz into a tmpfs by recon-peer.service and run there.
# Checks node, runs the bundled collector with the given flags, one plain log line per step on the console.
# builtins only: the image may have little more than node on PATH
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
version=unknown
[ -r "$here/VERSION" ] && read -r version < "$here/VERSION"
log() { echo "recon-post: $*" >&2; }
if ! command -v node >/dev/null 2>&1; then
  log "node is not installed on this image; cannot run the collector"
  exit 127
fi
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
  log "node $major is too old (need 20 or newer)"
  exit 127
fi
log "running collector $version with node $major"
exec node "$here/collect.mjs" "$@"
