// BMC credentials: the password from the config, or from a file it names. The file must be readable by
// its owner only (mode 0600 or stricter): a password others can read is refused with a clear message.
import { readFile, stat } from 'node:fs/promises';
import type { ReconConfig } from '../../model/config/schema.js';

export interface IpmiCredentials {
  username: string;
  password: string;
}

export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsError';
  }
}

/** Why a file with this mode may not hold a secret, or undefined when it may. Pure. */
export function secretFileModeProblem(path: string, mode: number): string | undefined {
  const perm = mode & 0o777;
  if ((perm & 0o077) === 0) return undefined;
  const who = perm & 0o007 ? 'everyone' : 'its group';
  return `${path} is readable by ${who} (mode ${perm.toString(8).padStart(4, '0')}): run 'chmod 600 ${path}'`;
}

/** The password file holds the password on its first line; trailing newline and spaces are dropped. */
export function passwordFromFile(text: string): string {
  return (text.split('\n')[0] ?? '').replace(/\s+$/, '');
}

export async function loadIpmiCredentials(ipmi: ReconConfig['power']['ipmi']): Promise<IpmiCredentials> {
  if (ipmi.passwordFile) {
    const path = ipmi.passwordFile;
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      throw new CredentialsError(
        `power.ipmi.passwordFile: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    if (!st.isFile()) throw new CredentialsError(`power.ipmi.passwordFile: ${path} is not a file`);
    const problem = secretFileModeProblem(path, st.mode);
    if (problem) throw new CredentialsError(`power.ipmi.passwordFile: refused: ${problem}`);
    const password = passwordFromFile(await readFile(path, 'utf8'));
    if (!password) throw new CredentialsError(`power.ipmi.passwordFile: ${path} is empty`);
    return { username: ipmi.username, password };
  }
  if (ipmi.password === undefined)
    throw new CredentialsError(
      'no BMC password: set power.ipmi.password or power.ipmi.passwordFile in the config',
    );
  return { username: ipmi.username, password: ipmi.password };
}
