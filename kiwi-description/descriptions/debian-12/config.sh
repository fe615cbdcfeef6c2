#!/bin/bash
# config.sh (debian-12): runs inside the image root at the end of the KIWI prepare step.
# shellcheck source=/dev/null
test -f /.kconfig && . /.kconfig
# shellcheck source=/dev/null
test -f /.profile && . /.profile
# set after sourcing: KIWI's helper functions are not written for nounset
set -eo pipefail

# the recon units and lldpd, from the overlay's list; consoles are started per config at boot
grep -vE '^(#|$)' /usr/lib/recon/services | while read -r unit; do
  baseInsertService "$unit"
done
baseSetRunlevel multi-user.target

# a live system: no package caches, no machine identity baked into the image
apt-get clean
rm -rf /var/lib/apt/lists/*
: >/etc/machine-id
echo recon >/etc/hostname
