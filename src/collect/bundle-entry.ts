// esbuild entry for post.tgz: runs main() with the process arguments and exits with its code.
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`recon-collect: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
