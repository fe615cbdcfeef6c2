// The lab initramfs's /init (busybox sh) and its udhcpc hook, as text. In "collector" mode /init does what
// recon-peer.service does on the real image: bring up the boot NIC (BOOTIF=), get a DHCP lease, fetch
// post.tgz from the master (pxeaddr= or recon.master=), refuse it unless its sha256 matches the
// X-Recon-Sha256 header, unpack it on tmpfs and run post.sh; on `shutdown` the collector runs
// POWEROFF_SCRIPT, which reports the powered-off stage (nothing else could: a powered-off VM is silent)
// and halts the kernel, which ends QEMU.
// In "marker" mode it only prints a marker line with the kernel command line and powers off (firmware
// boot tests). Everything /init and the collector print goes to the first serial port itself, whatever
// console= list the master's menu gives (with the default "… ttyS1 ttyS0" /dev/console can end up on a
// port the VM does not have).

export type InitMode = 'collector' | 'marker';

/** The line a marker-mode VM prints; tests and the launcher look for it on the serial log. */
export const BOOT_MARKER = 'RECON-LAB-VM-BOOTED';
/** Prefix of every line /init prints. */
export const INIT_TAG = 'recon-lab-vm:';

export interface InitOptions {
  mode: InitMode;
  /** kernel release, for /lib/modules/<release>/ */
  kernelRelease: string;
  /** module files relative to /lib/modules/<release>/, in load order */
  modules: readonly string[];
}

const common = (o: InitOptions): string => `#!/bin/sh
# recon lab VM init (${o.mode} mode)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
log() { echo "${INIT_TAG} $*"; }
halt_now() { sleep 1; sync; poweroff -f; }
fail() { log "FAILED: $*"; halt_now; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
[ -c /dev/ttyS0 ] && exec </dev/null >/dev/ttyS0 2>&1
mkdir -p /dev/pts /run /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
up=$(cut -d' ' -f1 /proc/uptime)
`;

function markerInit(o: InitOptions): string {
  return `${common(o)}
echo "${BOOT_MARKER} uptime=$up kernel=$(uname -r) cmdline=$(cat /proc/cmdline)"
halt_now
`;
}

function collectorInit(o: InitOptions): string {
  const mods = o.modules.map((m) => `/lib/modules/${o.kernelRelease}/${m}`).join(' ');
  return `${common(o)}
log "kernel $(uname -r) up after $up s"
for m in ${mods}; do insmod "$m" || log "insmod $m failed"; done
# booted by UEFI: the EFI variables (SecureBoot among them) for the collector
if [ -d /sys/firmware/efi ]; then
  mount -t efivarfs efivarfs /sys/firmware/efi/efivars || log "efivarfs not mounted: $(ls /sys/firmware/efi | tr '\\n' ' ')"
fi

# what the master's menu put on the command line
mac=; pxeaddr=; base=
for w in $(cat /proc/cmdline); do
  case "$w" in
    BOOTIF=01-*) mac=$(echo "\${w#BOOTIF=01-}" | tr 'A-F-' 'a-f:') ;;
    pxeaddr=*) pxeaddr=\${w#pxeaddr=} ;;
    recon.master=*) base=\${w#recon.master=} ;;
  esac
done
[ -n "$base" ] || base=http://$pxeaddr
[ -n "$mac" ] || fail "no BOOTIF= on the kernel command line"
[ -n "$pxeaddr$base" ] || fail "no pxeaddr= on the kernel command line"

# the boot NIC appears once its driver has probed it
ifc=
i=0
while [ -z "$ifc" ] && [ $i -lt 100 ]; do
  for d in /sys/class/net/*; do
    [ "$(cat "$d/address" 2>/dev/null)" = "$mac" ] && ifc=\${d##*/}
  done
  [ -n "$ifc" ] || { sleep 0.1; i=$((i + 1)); }
done
[ -n "$ifc" ] || fail "no NIC with MAC $mac"
ip link set lo up
ip link set "$ifc" up
log "boot NIC $ifc ($mac); asking for a DHCP lease"
udhcpc -i "$ifc" -f -q -n -t 10 -T 2 -s /etc/udhcpc.script -x hostname:recon-lab-vm || fail "no DHCP lease on $ifc"
log "lease: $(ip -4 -o addr show dev "$ifc" | awk '{print $4}')"

work=/run/recon/post
mkdir -p "$work/unpacked"
i=0
until wget -S -O "$work/post.tgz" "$base/post.tgz" 2>"$work/headers"; do
  i=$((i + 1))
  [ $i -ge 60 ] && fail "could not fetch $base/post.tgz: $(tail -n 1 "$work/headers")"
  sleep 2
done
want=$(tr -d '\\r' <"$work/headers" | awk -F': *' 'tolower($1) ~ /x-recon-sha256$/ { v = $2 } END { print tolower(v) }')
got=$(sha256sum "$work/post.tgz" | cut -d' ' -f1)
echo "$want" | grep -Eq '^[0-9a-f]{64}$' || fail "no X-Recon-Sha256 header for post.tgz: refusing to run it"
[ "$got" = "$want" ] || fail "post.tgz sha256 mismatch: got $got, master says $want: refusing to run it"
log "post.tgz verified (sha256 $got)"
tar -xzf "$work/post.tgz" -C "$work/unpacked" || fail "cannot unpack post.tgz"
cd "$work/unpacked" || fail "no unpacked post.tgz"
export RECON_MASTER="$base" RECON_LAB_MAC="$mac" RECON_POWEROFF_COMMAND=${POWEROFF_PATH} HOME=/root
# a lab bridge carries no LLDP: do not listen for it unless the command line asks to
lldp=--lldp-wait=0
grep -q 'recon.lldpwait=' /proc/cmdline && lldp=
sh ./post.sh $lldp
rc=$?
log "collector exited with status $rc without powering off"
halt_now
`;
}

/** Where the initramfs carries POWEROFF_SCRIPT. */
export const POWEROFF_PATH = '/bin/recon-lab-poweroff';

/**
 * The collector's power-off command in the lab VM: the last thing said to the master is the powered-off
 * stage (a real peer's BMC or the operator would tell; here the halt cannot fail), then the kernel halts.
 */
export const POWEROFF_SCRIPT = `#!/bin/sh
# the collector captures this script's output: say things on the serial port
exec >/dev/ttyS0 2>&1
mac=$(echo "$RECON_LAB_MAC" | tr : -)
# timeout, not wget -T: busybox 1.35's wget crashes with -T
timeout 10 wget -q -O /dev/null --header 'Content-Type: application/json' \\
  --post-data '{"stage":"powered-off","detail":"lab VM halting (poweroff -f)"}' \\
  "$RECON_MASTER/api/v1/nodes/$mac/events" || echo "${INIT_TAG} could not report powered-off"
echo "${INIT_TAG} powering off"
sync
poweroff -f
`;

export function renderInit(o: InitOptions): string {
  return o.mode === 'marker' ? markerInit(o) : collectorInit(o);
}

/** udhcpc's hook: address, default route, resolver — inside the VM's own root, never the host's. */
export const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/\${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route replace default via "\${router%% *}" dev "$interface"
    : >/etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
    [ -n "$domain" ] && echo "search $domain" >>/etc/resolv.conf
    ;;
esac
exit 0
`;
