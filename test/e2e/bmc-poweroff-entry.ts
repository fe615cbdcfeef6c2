// recon's BMC power-off (graceful, bounded grace, forced) run once against one BMC, from inside the rig's
// master namespace where the BMC is reachable:
//   tsx bmc-poweroff-entry.ts ADDRESS DRIVER PASSWORD_FILE TOFU_STORE GRACE_SECONDS
// The user is "admin"; prints one JSON line: the result, the steps and the seconds it took.
import { readPasswordFile } from '../../src/net/bmc/credentials.js';
import type { BmcDriverChoice } from '../../src/net/bmc/driver.js';
import { openBmc } from '../../src/net/bmc/open.js';
import { bmcPowerOff } from '../../src/master/power/bmc-poweroff.js';

const [address, driver, passwordFile, tofuStore, grace] = process.argv.slice(2);
const password = await readPasswordFile(passwordFile!, 'bmc');
const bmc = await openBmc({
  address: address!,
  driver: driver as BmcDriverChoice,
  credentials: { username: 'admin', password },
  tofuStore: tofuStore!,
});
const steps: string[] = [];
const t0 = Date.now();
try {
  const result = await bmcPowerOff(bmc, {
    softOffGraceSeconds: Number(grace),
    hardOffWaitSeconds: 30,
    pollMs: 1000,
    step: (s, ok, detail) => steps.push(`${s} ${ok}${detail ? `: ${detail}` : ''}`),
  });
  const out = {
    ok: result.ok,
    how: result.ok ? result.how : undefined,
    steps,
    seconds: (Date.now() - t0) / 1000,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  await bmc.close();
}
