// Builds dist/post.tgz, the peer workload: the collector bundled by esbuild into one ESM file for Node 20,
// post.sh (the entry the peer runs) and manifest.json with the sha256 of each file.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { create } from 'tar';

const root = new URL('..', import.meta.url).pathname;
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const stage = join(root, 'dist', 'post');
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

const bundle = await build({
  entryPoints: [join(root, 'src/collect/bundle-entry.ts')],
  outfile: join(stage, 'collect.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  define: { RECON_VERSION: JSON.stringify(version) },
  // bundled CommonJS dependencies (tar) call require() for Node built-ins
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
  // which modules went in: a test checks that nothing of the master's did
  metafile: true,
});
writeFileSync(join(root, 'dist', 'post.meta.json'), JSON.stringify(bundle.metafile));
copyFileSync(join(root, 'src/collect/post.sh'), join(stage, 'post.sh'));
chmodSync(join(stage, 'post.sh'), 0o755);
writeFileSync(join(stage, 'VERSION'), `${version}\n`);

const files = ['collect.mjs', 'post.sh', 'VERSION'];
const manifest = {
  name: 'recon-post',
  version,
  entry: 'post.sh',
  node: '>=20',
  files: Object.fromEntries(
    files.map((f) => {
      const data = readFileSync(join(stage, f));
      return [f, { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length }];
    }),
  ),
};
writeFileSync(join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
const out = join(root, 'dist', 'post.tgz');
await create({ gzip: { level: 9 }, file: out, cwd: stage, portable: true }, [...files, 'manifest.json']);
console.log(
  `dist/post.tgz ${statSync(out).size} bytes (collect.mjs ${manifest.files['collect.mjs'].bytes} bytes)`,
);
