#!/bin/bash
# config.sh (debian-12): runs inside the image root at the end of the KIWI prepare step.
# shellcheck source=/dev/null
test -f /.kconfig && . /.kconfig
# shellcheck source=/dev/null
test -f /.profile && . /.profile
# set after sourcing: KIWI's helper functions are not written for nounset
set -eo pipefail

# the recon units and lldpd, from the overlay's list; consoles are started per config at boot
# (KIWI's helper takes the name without .service and skips unknown units silently: check the result)
grep -vE '^(#|$)' /usr/lib/recon/services | while read -r unit; do
  baseInsertService "${unit%.service}"
  systemctl is-enabled --quiet "$unit" || { echo "config.sh: $unit is not enabled" >&2; exit 1; }
done
baseSetRunlevel multi-user.target

# every byte is copied into RAM on a peer (rd.live.ram=1): drop what a headless inventory never loads
for kdir in /usr/lib/modules/*/; do
  kver=$(basename "$kdir")
  rm -rf "$kdir"kernel/sound "$kdir"kernel/drivers/media "$kdir"kernel/drivers/iio "$kdir"kernel/drivers/staging \
    "$kdir"kernel/drivers/net/wireless "$kdir"kernel/drivers/bluetooth "$kdir"kernel/net/bluetooth \
    "$kdir"kernel/drivers/gpu/drm/amd "$kdir"kernel/drivers/gpu/drm/radeon "$kdir"kernel/drivers/gpu/drm/nouveau \
    "$kdir"kernel/drivers/gpu/drm/i915
  depmod -a "$kver"
done
rm -rf /usr/share/doc/* /usr/share/man/* /usr/share/locale/*

# a live system: no package caches, no machine identity baked into the image
apt-get clean
rm -rf /var/lib/apt/lists/*
: >/etc/machine-id
echo recon >/etc/hostname
