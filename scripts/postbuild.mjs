// Marks the CLI entry executable after tsc, so `dist/cli.js` runs as `recon`.
import { chmodSync, existsSync } from 'node:fs';
if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
