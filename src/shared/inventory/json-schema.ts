// JSON Schema (draft-07) of inventory.json, version 1. This object is the source; schema/inventory.schema.json is
// its published copy (a test keeps the two identical). Kept in TypeScript so the collector bundle and the master
// validate against the same object without reading files at run time.

const str = { type: 'string' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const bool = { type: 'boolean' } as const;
const strList = { type: 'array', items: str } as const;
const mac = { type: 'string', pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' } as const;

function obj(properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required, properties };
}

const bootMode = { enum: ['uefi', 'bios', 'unknown'] };

export const inventoryJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://recon.invalid/schema/inventory-1.json',
  title: 'recon peer inventory',
  description: 'Hardware inventory of one peer. Absent field = not known; `tools` says why.',
  ...obj(
    {
      schemaVersion: { const: 1 },
      collectedAt: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T' },
      collector: obj({ version: str, durationMs: int, hostname: str, kernel: str }, [
        'version',
        'durationMs',
      ]),
      system: obj({ vendor: str, product: str, version: str, serial: str, uuid: str, sku: str, family: str }),
      baseboard: obj({ vendor: str, product: str, version: str, serial: str }),
      firmware: obj({ vendor: str, version: str, date: str, bootMode }, ['bootMode']),
      chassis: obj({ vendor: str, type: str, serial: str, assetTag: str, heightU: int }),
      cpu: obj(
        {
          model: str,
          vendor: str,
          architecture: str,
          sockets: int,
          cores: int,
          threads: int,
          mhz: { type: 'number', minimum: 0 },
          flags: strList,
          packages: {
            type: 'array',
            items: obj({ socket: str, model: str, vendor: str, cores: int, threads: int, maxMhz: int }, [
              'socket',
            ]),
          },
        },
        ['flags', 'packages'],
      ),
      memory: obj(
        {
          totalBytes: int,
          installedBytes: int,
          slots: int,
          dimms: {
            type: 'array',
            items: obj(
              {
                slot: str,
                bank: str,
                sizeBytes: int,
                type: str,
                formFactor: str,
                speedMTs: int,
                configuredSpeedMTs: int,
                vendor: str,
                part: str,
                serial: str,
              },
              ['slot'],
            ),
          },
        },
        ['dimms'],
      ),
      disks: {
        type: 'array',
        items: obj(
          {
            name: str,
            path: str,
            model: str,
            vendor: str,
            serial: str,
            wwn: str,
            firmware: str,
            sizeBytes: int,
            rotational: bool,
            removable: bool,
            transport: str,
            byPath: strList,
            smart: obj(
              {
                health: { enum: ['passed', 'failed', 'unknown'] },
                powerOnHours: int,
                temperatureC: { type: 'integer' },
                protocol: str,
              },
              ['health'],
            ),
          },
          ['name', 'path', 'byPath'],
        ),
      },
      nics: {
        type: 'array',
        items: obj(
          {
            name: str,
            mac,
            permanentMac: mac,
            kind: str,
            driver: str,
            driverVersion: str,
            firmware: str,
            pciAddress: str,
            speedMbps: int,
            duplex: str,
            link: bool,
            mtu: int,
            master: str,
            ipv4: strList,
            ipv6: strList,
            lldp: obj(
              {
                chassisId: str,
                systemName: str,
                systemDescription: str,
                portId: str,
                portDescription: str,
                vlans: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 4095 } },
                mgmtIp: strList,
              },
              ['vlans', 'mgmtIp'],
            ),
          },
          ['name', 'mac', 'kind', 'ipv4', 'ipv6'],
        ),
      },
      pci: {
        type: 'array',
        items: obj(
          {
            slot: str,
            className: str,
            classId: str,
            vendor: str,
            vendorId: str,
            device: str,
            deviceId: str,
            subVendor: str,
            subDevice: str,
            revision: str,
            driver: str,
            modules: strList,
          },
          ['slot', 'modules'],
        ),
      },
      bmc: obj(
        {
          present: bool,
          ipv4: str,
          ipv4Source: str,
          netmask: str,
          gateway: str,
          ipv6: strList,
          mac,
          firmware: str,
          ipmiVersion: str,
          manufacturer: str,
          product: str,
          interfaceType: str,
        },
        ['present', 'ipv6'],
      ),
      boot: obj({ mode: bootMode, pxeMac: mac, pxeInterface: str, master: str }, ['mode']),
      virtualization: obj({ type: str, isVirtual: bool }),
      tools: {
        type: 'object',
        additionalProperties: obj(
          {
            status: { enum: ['ok', 'missing', 'failed', 'timeout', 'unparsable', 'skipped'] },
            argv: strList,
            exitCode: { type: 'integer' },
            stderr: { type: 'string', maxLength: 4096 },
            durationMs: int,
          },
          ['status', 'argv', 'durationMs'],
        ),
      },
    },
    [
      'schemaVersion',
      'collectedAt',
      'collector',
      'system',
      'baseboard',
      'firmware',
      'chassis',
      'cpu',
      'memory',
      'disks',
      'nics',
      'pci',
      'bmc',
      'boot',
      'virtualization',
      'tools',
    ],
  ),
};
