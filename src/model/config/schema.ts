// The config file's shape and defaults. Every key has a default that follows the original recipe
// (lan0, 192.168.219.1/24, pool .50-.250, leases 300/600 s, names bang/master/recon), except the IPv6
// prefix: a ULA (fd00::/8) instead of the recipe's 3210: global space.
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseCidr } from '../../shared/cidr.js';

const ipv4 = z
  .string()
  .refine((s) => isIP(s) === 4, { message: 'expected an IPv4 address like 192.168.219.1' });
const ipv6 = z
  .string()
  .refine((s) => isIP(s) === 6, { message: 'expected an IPv6 address like fd52:ec0e:d1a8::1' });
const port = z.number().int().min(0).max(65535);
const ipAddress = z
  .string()
  .refine((s) => isIP(s) !== 0, { message: 'expected an IPv4 or IPv6 address like 10.0.0.5' });
const cidr = z.string().superRefine((s, ctx) => {
  const c = parseCidr(s);
  if ('error' in c) ctx.addIssue({ code: 'custom', message: c.error });
});
const mac = z
  .string()
  .regex(/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/, {
    message: 'expected a MAC address like 52:54:00:12:34:56',
  })
  .transform((s) => s.toLowerCase().replace(/-/g, ':'));
const absPath = z.string().startsWith('/', { message: 'expected an absolute path' });
const hostname = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, {
  message: 'expected a host name label (letters, digits, -)',
});

const reservation = z.strictObject({ mac, ip: ipv4.optional(), hostname: hostname.optional() });

/** A BMC the config names (one outside recon's segment, or one that does not lease from recon). */
const bmcEntry = z.strictObject({
  address: ipAddress,
  /** Redfish, IPMI, or auto: Redfish when its service root answers, IPMI otherwise */
  driver: z.enum(['redfish', 'ipmi', 'auto']).default('auto'),
  /** this BMC's user name (line 1) and password (line 2) in a file of mode 0600; default: the fleet's */
  credentialsFile: absPath.optional(),
});

export const configSchema = z.strictObject({
  interface: z.string().min(1).max(15).default('lan0'),
  ipv4: z
    .strictObject({
      address: ipv4.default('192.168.219.1'),
      prefix: z.number().int().min(8).max(30).default(24),
      range: z.tuple([ipv4, ipv4]).default(['192.168.219.50', '192.168.219.250']),
      leaseSeconds: z.number().int().min(10).default(300),
      maxLeaseSeconds: z.number().int().min(10).default(600),
      /** routers option; the master by default (it is the only host on an isolated segment) */
      router: ipv4.optional(),
      reservations: z.array(reservation).default([]),
      /** how long an address stays out of the pool after a DECLINE */
      declineQuarantineSeconds: z.number().int().min(0).default(600),
    })
    .prefault({}),
  ipv6: z
    .strictObject({
      enabled: z.boolean().default(true),
      address: ipv6.default('fd52:ec0e:d1a8::1'),
      prefix: z.literal(64).default(64),
      /** interface-id range handed out by DHCPv6 (hex, inside the /64) */
      range: z.tuple([z.string(), z.string()]).default(['::1000', '::1fff']),
      routerAdvertisements: z.boolean().default(true),
    })
    .prefault({}),
  domain: z
    .string()
    .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*$/i, { message: 'expected a DNS domain like recon.internal' })
    .default('recon.internal'),
  names: z.array(hostname).min(1).default(['bang', 'master', 'recon']),
  dataDir: absPath.default('/export/nodes'),
  tftpRoot: absPath.default('/srv/tftpboot'),
  http: z
    .strictObject({
      roots: z
        .record(
          z.string().regex(/^\/[a-z0-9._-]+$/i, { message: 'expected a URL prefix like /install' }),
          absPath,
        )
        // never a tree that holds the data dir: the log, events and state are nobody's to download
        .default({ '/install': '/export/install', '/isos': '/export/isos' }),
      /** the largest inventory upload accepted, in bytes */
      maxInventoryBytes: z
        .number()
        .int()
        .min(1024)
        .default(4 * 1024 * 1024),
      maxRawBytes: z
        .number()
        .int()
        .min(1024)
        .default(64 * 1024 * 1024),
      /** accept uploads from any source address (not only the IP leased to that MAC) */
      trustAnySource: z.boolean().default(false),
      /** open connections from one source address (loopback is counted in the total only) */
      maxConnectionsPerSource: z.number().int().min(1).default(32),
      /** open connections in all; the process's file limit may lower it (see docs/image.md, file budget) */
      maxConnections: z.number().int().min(16).default(4096),
      /** bytes of inventory bodies held in memory at once over all uploads; beyond it an upload gets 503 */
      bodyBudgetBytes: z
        .number()
        .int()
        .min(1024 * 1024)
        .default(64 * 1024 * 1024),
      /** an upload body slower than this (bytes/s, over 10 s windows) is cut */
      minUploadBytesPerSecond: z.number().int().min(1).default(1024),
      /** uploads one node may start per minute after a burst of `uploadBurst` (429 with Retry-After) */
      uploadsPerMinute: z.number().min(0.1).default(6),
      uploadBurst: z.number().int().min(1).default(4),
    })
    .prefault({}),
  boot: z
    .strictObject({
      /** where the iPXE binaries are taken from when they are not in tftpRoot */
      ipxeDir: z.array(absPath).default(['/usr/lib/ipxe', '/usr/share/ipxe']),
      files: z
        .strictObject({
          bios: z.string().default('undionly.kpxe'),
          efi64: z.string().default('ipxe.efi'),
          efi32: z.string().default('ipxe.efi'),
          arm64: z.string().default('arm64-efi/ipxe.efi'),
        })
        .prefault({}),
      /**
       * consoles on the peer kernel command line; the last becomes /dev/console. Linux keeps one console
       * per device type, so a second ttyS entry would silently take the serial console from the first.
       */
      consoles: z
        .array(z.string())
        .refine((list) => list.filter((c) => /^ttyS\d/.test(c)).length <= 1, {
          message: 'Linux takes one serial console: give at most one ttyS entry',
        })
        .default(['tty0', 'ttyS0,115200n8']),
      extraArgs: z.array(z.string()).default([]),
      /** the live image under the /install root: its ISO, kernel and initrd are found here */
      imageDir: z.string().default('recon'),
      /**
       * the chain a UEFI client boots: iPXE (unsigned: a Secure Boot firmware refuses it), the
       * distribution's signed shim → network GRUB (boots with Secure Boot on or off), or auto: shim-grub
       * for UEFI PXE clients whose signed files are found, iPXE for the rest (README: "UEFI boot chain")
       */
      uefi: z.enum(['auto', 'shim-grub', 'ipxe']).default('auto'),
      /** where the signed shim and network GRUB are taken from when they are not in tftpRoot */
      signedDirs: z
        .array(absPath)
        .default(['/usr/lib/shim', '/usr/lib/grub/x86_64-efi-signed', '/usr/lib/grub/arm64-efi-signed']),
    })
    .prefault({}),
  tftp: z
    .strictObject({
      maxTransfers: z.number().int().min(1).default(256),
      /** transfers at once from one client address; a full client's stalled transfer makes room first */
      maxTransfersPerClient: z.number().int().min(1).default(8),
      maxBlksize: z.number().int().min(512).max(65464).default(1468),
      maxWindowsize: z.number().int().min(1).max(64).default(16),
      timeoutSeconds: z.number().int().min(1).max(255).default(3),
      retries: z.number().int().min(1).default(5),
    })
    .prefault({}),
  ports: z
    .strictObject({
      dhcp4: port.default(67),
      dhcp4Client: port.default(68),
      proxyDhcp: port.default(4011),
      dhcp6: port.default(547),
      dns: port.default(53),
      tftp: port.default(69),
      http: port.default(80),
    })
    .prefault({}),
  controlSocket: absPath.default('/run/recon/control.sock'),
  /** the view-only control socket (state and events, every action refused); default: beside controlSocket */
  controlSocketReadOnly: absPath.optional(),
  /** BMCs recon may drive besides the ones that lease from it (power on, off): never the master's own */
  bmcs: z.array(bmcEntry).max(1024).default([]),
  /** how many nodes this segment should see: the consoles show progress against it (a console can change it) */
  expectedNodes: z.number().int().min(1).optional(),
  consoles: z
    .record(z.string(), z.enum(['interactive', 'read-only']))
    .default({ tty1: 'interactive', ttyS0: 'interactive', ttyS1: 'read-only' }),
  guard: z
    .strictObject({
      enabled: z.boolean().default(true),
      probeTries: z.number().int().min(1).default(3),
      probeSeconds: z.number().min(0.5).default(5),
      reprobeSeconds: z.number().min(5).default(60),
    })
    .prefault({}),
  peer: z
    .strictObject({
      /** after upload: power off when a BMC is present (the recipe's rule), always, or never */
      powerOffAfterUpload: z.enum(['if-bmc', 'always', 'never']).default('if-bmc'),
      lldpWaitSeconds: z.number().min(0).default(35),
    })
    .prefault({}),
  power: z
    .strictObject({
      poweroffCommand: z.array(z.string()).min(1).default(['systemctl', 'poweroff']),
      /** how long a peer has to acknowledge `shutdown` before IPMI is tried */
      peerAckSeconds: z.number().min(1).default(60),
      /** how long the final power-down waits for uploads in flight */
      uploadWaitSeconds: z.number().min(0).default(30),
      /** address blocks (CIDR) whose every address is a BMC of this fleet; others need a lease from recon */
      bmcNetworks: z.array(cidr).default([]),
      /** the fleet's BMC user name (line 1) and password (line 2), a file of mode 0600; else power.ipmi's */
      bmcCredentialsFile: absPath.optional(),
      /** finding the BMCs that lease from recon: probes (Redfish service root on 443, RMCP ping on 623) */
      bmcDiscovery: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** probes running at once */
          concurrency: z.number().int().min(1).max(64).default(4),
          /** probes started per second at most */
          perSecond: z.number().min(0.1).default(5),
          /** the longest one probe (HTTPS or RMCP) may take */
          timeoutSeconds: z.number().min(0.5).max(60).default(3),
          /** a lease renewal re-probes its holder at most this often */
          reprobeMinutes: z.number().min(0).default(10),
        })
        .prefault({}),
      /** the master's own BMC: never a target, whatever a peer reports */
      masterBmc: z
        .strictObject({ addresses: z.array(ipAddress).default([]), macs: z.array(mac).default([]) })
        .prefault({}),
      ipmi: z
        .strictObject({
          username: z.string().default('ADMIN'),
          password: z.string().optional(),
          /** a file holding the password (mode 0600), instead of `password` */
          passwordFile: absPath.optional(),
          cipherSuite: z.number().int().min(0).max(17).default(3),
          port: port.default(623),
          timeoutSeconds: z.number().min(1).default(10),
          retries: z.number().int().min(0).default(2),
          softOffGraceSeconds: z.number().min(0).default(60),
        })
        .prefault({}),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
      /** a log file; by default recon.log in the data dir */
      file: absPath.optional(),
    })
    .prefault({}),
  state: z
    .strictObject({
      snapshotEverySeconds: z.number().min(1).default(30),
      /**
       * node records kept at most; when full, the node seen longest ago that never booted recon makes
       * room (then one that booted without an inventory; nodes with an inventory are never dropped)
       */
      maxNodes: z.number().int().min(1).default(5000),
      /**
       * bytes kept free on the data partition for inventories and events: a raw archive that would leave
       * less is refused (507); inventories may use the reserve down to a quarter of it, the rest is the log's
       */
      reserveBytes: z
        .number()
        .int()
        .min(0)
        .default(16 * 1024 * 1024),
    })
    .prefault({}),
});

export type ReconConfig = z.output<typeof configSchema>;
export type ReconConfigInput = z.input<typeof configSchema>;
