#!/bin/bash
# config.sh (suse-leap-15.6): runs inside the image root at the end of the KIWI prepare step.
# shellcheck source=/dev/null
test -f /.kconfig && . /.kconfig
# shellcheck source=/dev/null
test -f /.profile && . /.profile
# set after sourcing: KIWI's helper functions are not written for nounset
set -eo pipefail

# the recon units and lldpd, from the overlay's list; consoles are started per config at boot
# (KIWI's helper takes the name without .service and skips unknown units silently: check the result)
grep -vE '^(#|$)' /usr/lib/recon/services | while read -r unit; do
  suseInsertService "${unit%.service}"
  systemctl is-enabled --quiet "$unit" || { echo "config.sh: $unit is not enabled" >&2; exit 1; }
done
baseSetRunlevel multi-user.target

: >/etc/machine-id
echo recon >/etc/hostname
