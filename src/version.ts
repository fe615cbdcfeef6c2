// recon's version, read from package.json beside the build (or injected by the post.tgz bundler).
import { readFileSync } from 'node:fs';

declare const RECON_VERSION: string | undefined;

function readVersion(): string {
  if (typeof RECON_VERSION === 'string') return RECON_VERSION;
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'recon' && pkg.version) return pkg.version;
    } catch {
      /* try the next place */
    }
  }
  return '0.0.0-unknown';
}

export const VERSION = readVersion();
