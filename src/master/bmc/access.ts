// Opening the driver for one BMC with the right credentials: the BMC's own credentials file (config
// `bmcs[].credentialsFile`), else the fleet's (power.bmcCredentialsFile), else power.ipmi's user and
// password. A credentials file holds the user name on its first line and the password on its second, and
// must be readable by its owner only. Credentials go to the driver and nowhere else.
import { join } from 'node:path';
import type { ReconConfig } from '../../model/config/schema.js';
import type { BmcDriverName } from '../../model/events.js';
import { CredentialsError, readSecretFile } from '../../net/bmc/credentials.js';
import type { BmcCredentials, BmcDriver, BmcDriverChoice } from '../../net/bmc/driver.js';
import { openBmc, type OpenBmcOptions } from '../../net/bmc/open.js';
import { loadIpmiCredentials } from '../power/credentials.js';

/** The file of trusted BMC certificate fingerprints, in the data dir. */
export const BMC_PINS_FILE = 'bmc-certs.json';

/** "user\npassword\n" → the credentials, or why the text is not that. Pure. */
export function credentialsFromText(text: string): BmcCredentials | { error: string } {
  const [user = '', password = ''] = text.split('\n').map((l) => l.replace(/\s+$/, ''));
  if (!user.trim()) return { error: 'the first line (the user name) is empty' };
  if (!password) return { error: 'the second line (the password) is empty' };
  return { username: user.trim(), password };
}

export async function readCredentialsFile(path: string, label: string): Promise<BmcCredentials> {
  const c = credentialsFromText(await readSecretFile(path, label));
  if ('error' in c) throw new CredentialsError(`${label}: ${path}: ${c.error}`);
  return c;
}

/** The config's entry for a BMC address, if it names one. */
export function configuredBmc(config: ReconConfig, address: string): ReconConfig['bmcs'][number] | undefined {
  return config.bmcs.find((b) => b.address === address);
}

/** The credentials for the BMC at `address` (see the header for the order). */
export async function bmcCredentials(config: ReconConfig, address: string): Promise<BmcCredentials> {
  const own = configuredBmc(config, address)?.credentialsFile;
  if (own) return readCredentialsFile(own, `bmcs[${address}].credentialsFile`);
  if (config.power.bmcCredentialsFile)
    return readCredentialsFile(config.power.bmcCredentialsFile, 'power.bmcCredentialsFile');
  return loadIpmiCredentials(config.power.ipmi);
}

/** Test seam: how a driver is opened (the real one by default). */
export type BmcOpener = (o: OpenBmcOptions) => Promise<BmcDriver>;

/** Opens the driver for `address`: the config's choice, else what discovery found, else auto. */
export async function openBmcFor(
  config: ReconConfig,
  address: string,
  discovered: BmcDriverName | undefined,
  open: BmcOpener = openBmc,
): Promise<BmcDriver> {
  const configured = configuredBmc(config, address)?.driver;
  const driver: BmcDriverChoice = configured && configured !== 'auto' ? configured : (discovered ?? 'auto');
  const ipmi = config.power.ipmi;
  return open({
    address,
    driver,
    credentials: await bmcCredentials(config, address),
    tofuStore: join(config.dataDir, BMC_PINS_FILE),
    ipmi: {
      port: ipmi.port,
      cipherSuite: ipmi.cipherSuite,
      timeoutSeconds: ipmi.timeoutSeconds,
      retries: ipmi.retries,
    },
  });
}
