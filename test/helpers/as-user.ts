// Runs a command as an unprivileged user, as a new user of recon would: as root through setpriv as
// `nobody`, as anyone else unchanged.
import { execFileSync } from 'node:child_process';
import { isRoot } from './needs.js';

/**
 * How to run a command as an unprivileged user: as root, through setpriv as `nobody`; otherwise as
 * this (already unprivileged) user. `skip` says why it cannot be done.
 */
export function unprivileged(readable: string): {
  prefix: string[];
  uid: number;
  gid: number;
  skip: string | false;
} {
  if (!isRoot())
    return { prefix: [], uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1, skip: false };
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
  } catch {
    return { prefix: [], uid: -1, gid: -1, skip: 'skipped: no user nobody to drop privileges to' };
  }
  const prefix = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--'];
  try {
    execFileSync(prefix[0]!, [...prefix.slice(1), 'test', '-r', readable], { stdio: 'ignore' });
  } catch {
    return {
      prefix,
      uid,
      gid,
      skip: `skipped: cannot run as nobody (setpriv) or nobody cannot read ${readable}`,
    };
  }
  return { prefix, uid, gid, skip: false };
}
