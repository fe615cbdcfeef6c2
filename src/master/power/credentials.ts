// The fleet's IPMI credentials: the password from the config, or from an owner-only file it names.
import type { ReconConfig } from '../../model/config/schema.js';
import { CredentialsError, readPasswordFile } from '../../net/bmc/credentials.js';
import type { BmcCredentials } from '../../net/bmc/driver.js';

export { CredentialsError };
export type IpmiCredentials = BmcCredentials;

export async function loadIpmiCredentials(ipmi: ReconConfig['power']['ipmi']): Promise<IpmiCredentials> {
  if (ipmi.passwordFile)
    return {
      username: ipmi.username,
      password: await readPasswordFile(ipmi.passwordFile, 'power.ipmi.passwordFile'),
    };
  if (ipmi.password === undefined)
    throw new CredentialsError(
      'no BMC password: set power.ipmi.password or power.ipmi.passwordFile in the config',
    );
  return { username: ipmi.username, password: ipmi.password };
}
