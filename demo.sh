#!/usr/bin/env bash
# The main job: installs what is missing, builds release binaries and brings up
# the multi-host lab on this machine, printing what it measures.
# Usage: ./demo.sh [--keep] [--datastore etcd] [--containers auto|podman|cni]   (as root)
#   --keep            leave the lab up to explore (remove it with `lab-demo --down`)
#   --datastore etcd  run every host on a lab etcd instead of one SQLite file
#   --containers cni  drive the CNI plugin directly instead of running podman containers
#                     (auto, the default, uses podman where it works)
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: the lab creates network namespaces and needs root; run it as root" >&2
  exit 2
fi

echo "==> installing missing packages"
scripts/install-deps --demo
echo "==> building release binaries"
# Only what the lab runs: the daemons, netctl, the CNI plugin and the lab's own tools.
cargo build --release --locked \
  --bin felix --bin bgpd --bin confd --bin netctl --bin terrace --bin lab-demo --bin lab-probe
echo "==> starting the lab"
exec "${CARGO_TARGET_DIR:-target}/release/lab-demo" "$@"
