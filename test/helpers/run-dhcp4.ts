// Test entrypoint, run inside a rig's master namespace: opens a state store in the given data dir,
// starts the dhcp4 service with the given config and prints every store event as one JSON line on
// stdout ("READY" once serving). SIGTERM stops the service and closes the store.
// usage: node --import tsx test/helpers/run-dhcp4.ts CONFIG.json [--proxy-dhcp]
import { readFileSync } from 'node:fs';
import { destination, pino } from 'pino';
import { parseConfig } from '../../src/model/config/load.js';
import { StateStore } from '../../src/model/store.js';
import { startDhcp4 } from '../../src/net/dhcp4/service.js';

const [configPath, ...flags] = process.argv.slice(2);
if (!configPath) throw new Error('usage: run-dhcp4.ts CONFIG.json [--proxy-dhcp]');
const config = parseConfig(JSON.parse(readFileSync(configPath, 'utf8')), configPath);
const log = pino({ level: process.env.RECON_TEST_LOG ?? 'warn' }, destination(2));
const store = await StateStore.open(config.dataDir, { log });
const quiet = process.env.RECON_TEST_QUIET_EVENTS === '1';
store.subscribe((ev) => {
  if (!quiet || ev.type === 'service') process.stdout.write(`${JSON.stringify(ev)}\n`);
});
const service = await startDhcp4({
  config,
  store,
  log,
  flags: { proxyDhcp: flags.includes('--proxy-dhcp'), forceDhcp: false },
  version: 'test',
});
process.stdout.write('READY\n');
process.once('SIGTERM', () => {
  void (async () => {
    await service.stop();
    await store.close();
    process.exit(0);
  })();
});
