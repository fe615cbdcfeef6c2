// BMC passwords live in files readable by their owner only (mode 0600 or stricter): a password others can
// read is refused with a clear message, and the password never goes into argv, logs or events.
import { readFile, stat } from 'node:fs/promises';

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

/** The text of the secret file `path`, checked: a file, owner-only. `label` names the setting in errors. */
export async function readSecretFile(path: string, label: string): Promise<string> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new CredentialsError(
      `${label}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (!st.isFile()) throw new CredentialsError(`${label}: ${path} is not a file`);
  const problem = secretFileModeProblem(path, st.mode);
  if (problem) throw new CredentialsError(`${label}: refused: ${problem}`);
  return readFile(path, 'utf8');
}

/** The password in `path`, checked as readSecretFile does, and not empty. */
export async function readPasswordFile(path: string, label: string): Promise<string> {
  const password = passwordFromFile(await readSecretFile(path, label));
  if (!password) throw new CredentialsError(`${label}: ${path} is empty`);
  return password;
}
