// A real Master in its own process for the power-down test, with the HTTP service and the power actions
// wired by Master.start as in `recon master`. SIGUSR2 starts an inventory upload
// that takes RECON_TEST_UPLOAD_MS to become durable, registered in the upload registry exactly as the
// peer API's upload handler registers one: an upload in flight during the power-down.
import { join } from 'node:path';
import { loadConfig } from '../../src/model/config/load.js';
import { Master } from '../../src/master/daemon.js';
import { SERVICES } from '../../src/master/services.js';
import { startHttp } from '../../src/net/http/service.js';
import { writeFileDurable } from '../../src/shared/durable.js';
import { summarizeInventory } from '../../src/shared/inventory/index.js';
import { sampleInventory } from '../collect/sample-inventory.js';

const config = loadConfig(process.argv[2]);
if (!SERVICES.some((s) => s.name === 'http')) SERVICES.push({ name: 'http', start: startHttp });
const master = await Master.start(config, { proxyDhcp: false, forceDhcp: false });

const uploadMac = process.env.RECON_TEST_UPLOAD_MAC ?? '52:54:00:00:00:99';
const uploadMs = Number(process.env.RECON_TEST_UPLOAD_MS ?? '3000');
process.on('SIGUSR2', () => {
  const done = master.ctx.uploads!.begin(uploadMac);
  process.stdout.write('upload started\n');
  setTimeout(() => {
    const inv = sampleInventory();
    const text = JSON.stringify(inv);
    writeFileDurable(join(config.dataDir, 'nodes', uploadMac, 'inventory.json'), text)
      .then(() =>
        master.store.emit({
          type: 'inventory.stored',
          data: {
            mac: uploadMac,
            sha256: 'slow-upload',
            bytes: text.length,
            summary: summarizeInventory(inv),
          },
        }),
      )
      .then(
        () => process.stdout.write('upload done\n'),
        (e: unknown) => process.stdout.write(`upload failed: ${String(e)}\n`),
      )
      .finally(done);
  }, uploadMs);
});
process.on('SIGTERM', () => {
  void master.stop('SIGTERM').finally(() => process.exit(0));
});
process.stdout.write('ready\n');
