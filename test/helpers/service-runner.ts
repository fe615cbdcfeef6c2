// Runs one ServiceStarter in its own process, so a test can start it inside a network namespace:
//   ip netns exec NS node --import tsx test/helpers/service-runner.ts MODULE EXPORT CONFIG.json [--proxy-dhcp] [--force-dhcp]
// Opens the state store in the config's dataDir, starts the service, prints every durable event as
// one JSON line on stdout ("ready" first), and on SIGTERM stops the service and closes the store.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { destination, pino } from 'pino';
import { parseConfig } from '../../src/model/config/load.js';
import type { ServiceStarter } from '../../src/model/service.js';
import { StateStore } from '../../src/model/store.js';

const [modulePath, exportName, configPath, ...flags] = process.argv.slice(2);
if (!modulePath || !exportName || !configPath)
  throw new Error('usage: service-runner MODULE EXPORT CONFIG.json [flags]');
const config = parseConfig(JSON.parse(await readFile(configPath, 'utf8')), configPath);
const log = pino({ level: process.env.RECON_TEST_LOG ?? 'warn' }, destination(2));
const store = await StateStore.open(config.dataDir, { log });
store.subscribe((ev) => process.stdout.write(`${JSON.stringify(ev)}\n`));
const mod = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, ServiceStarter>;
const start = mod[exportName];
if (typeof start !== 'function') throw new Error(`${modulePath} has no export ${exportName}`);
const service = await start({
  config,
  store,
  log,
  flags: { proxyDhcp: flags.includes('--proxy-dhcp'), forceDhcp: flags.includes('--force-dhcp') },
  version: 'test',
});
process.stdout.write(`${JSON.stringify({ ready: service.name, seq: store.state.seq })}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await service.stop();
    await store.close();
    process.exit(0);
  })();
});
