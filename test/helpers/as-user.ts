// Runs a command as an unprivileged user, as a new user of recon would: as root through setpriv as
// `nobody` (uid/gid 65534, no supplementary groups), as anyone else unchanged.
import { isRoot } from './needs.js';

export const NOBODY = 65534;

/** The argv prefix that drops to `nobody` when this process is root; empty otherwise. */
export function asUserPrefix(): string[] {
  return isRoot()
    ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--inh-caps=-all']
    : [];
}

/** Tools asUserPrefix() needs, for needs(). */
export const AS_USER_TOOLS = isRoot() ? ['setpriv'] : [];
