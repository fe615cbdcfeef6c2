// The boot path over HTTP: /menu.ipxe (generated), /ipxe.efi (UEFI HTTP boot), /post.tgz (the peer
// workload, with its sha256 in X-Recon-Sha256) and, when the master runs from the stick, the live
// image's ISO/kernel/initrd under /install/<imageDir>/ straight from the boot device.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { ReconConfig } from '../../model/config/schema.js';
import { normalizeMac, type Mac } from '../../model/events.js';
import type { ReconState } from '../../model/reducer.js';
import type { StateStore } from '../../model/store.js';
import { chooseBootImage, type BootImageChoice } from './boot-files.js';
import type { LiveMedium } from './live-medium.js';
import { renderBootMenu, renderWaitMenu, type MenuInput } from './menu.js';
import { serveRegion } from './region.js';
import { resolveInTree, sendFile } from './static.js';
import { addressesOf, macForAddress, normalizeAddress } from './source.js';
import { trackTransfer, type TransferKind } from './transfers.js';

/** How long a waiting or failed iPXE client sleeps before it asks again. */
export const MENU_RETRY_SECONDS = 10;
/** The package root: post.tgz is built next to package.json (same depth from src/ and dist/). */
const APP_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface BootDeps {
  config: ReconConfig;
  store: StateStore;
  log: Logger;
  live?: LiveMedium;
}

export function baseUrl(config: ReconConfig): string {
  return `http://${config.ipv4.address}${config.ports.http === 80 ? '' : `:${config.ports.http}`}`;
}

export function imageUrlPath(config: ReconConfig): string {
  return `/install/${config.boot.imageDir}`;
}

/** What kind of boot file a name under the image directory is. */
export function bootKind(name: string): TransferKind {
  if (name.endsWith('.iso')) return 'image';
  if (/^(vmlinuz|linux)|\.kernel$/.test(name)) return 'kernel';
  if (/^initrd|\.initrd$/.test(name)) return 'initrd';
  if (name === 'post.tgz') return 'workload';
  return 'other';
}

/** The image directory on disk (under the /install root), when there is one. */
export function imageDirPath(config: ReconConfig): string | undefined {
  const install = config.http.roots['/install'];
  return install ? `${install}/${config.boot.imageDir}` : undefined;
}

/**
 * The live image peers boot now: the medium the master runs from, else the newest in the image
 * directory. Synchronous: one directory listing from the dentry cache (TFTP asks from its event loop).
 */
export function currentImage(config: ReconConfig, live: LiveMedium | undefined): BootImageChoice {
  if (live) return { ok: true, image: live.image };
  const dir = imageDirPath(config);
  if (!dir) return { ok: false, missing: 'no /install tree in config.http.roots' };
  try {
    return chooseBootImage(readdirSync(dir));
  } catch {
    return { ok: false, missing: `image directory ${dir} is missing` };
  }
}

/** What every boot config (menu.ipxe, grub.cfg) is made of, for `image`. */
export function bootMenuInput(config: ReconConfig, image: BootImageChoice & { ok: true }): MenuInput {
  return {
    baseUrl: baseUrl(config),
    imagePath: imageUrlPath(config),
    image: image.image,
    consoles: config.boot.consoles,
    peer: config.peer,
    extraArgs: config.boot.extraArgs,
    masterAddress: config.ipv4.address,
    retrySeconds: MENU_RETRY_SECONDS,
  };
}

const TOKEN = /^[A-Za-z0-9_-]{1,24}$/;

/**
 * The node a menu request speaks for: the `mac` it names only when it comes from an address leased to
 * that MAC (as for uploads), else the node holding the source address, else none (a generic menu,
 * recorded against no node, so a request naming any MAC can neither make nodes nor move stages).
 */
export function menuNode(
  state: ReconState,
  asked: string | undefined,
  from: string,
  trustAnySource: boolean,
): Mac | undefined {
  const mac = normalizeMac(asked ?? '');
  if (mac && (trustAnySource || addressesOf(state, mac).includes(normalizeAddress(from)))) return mac;
  return macForAddress(state, from);
}

export function serveMenu(ctx: Context, deps: BootDeps): void {
  const q = ctx.query;
  const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const from = ctx.req.socket.remoteAddress ?? '';
  const mac = menuNode(deps.store.state, one(q.mac), from, deps.config.http.trustAnySource);
  const platform = one(q.platform) && TOKEN.test(one(q.platform)!) ? one(q.platform) : undefined;
  const arch = one(q.arch) && TOKEN.test(one(q.arch)!) ? one(q.arch) : undefined;
  const choice = currentImage(deps.config, deps.live);
  const base = baseUrl(deps.config);
  // only validated values go back into the script; the retry asks the same question (the MAC it names
  // is checked again then)
  const query = new URLSearchParams(
    Object.entries({ mac: normalizeMac(one(q.mac) ?? ''), platform, arch }).filter(
      (e): e is [string, string] => !!e[1],
    ),
  ).toString();
  const script = choice.ok
    ? renderBootMenu({ ...bootMenuInput(deps.config, choice), client: { mac, platform, arch } })
    : renderWaitMenu({ baseUrl: base, reason: choice.missing, retrySeconds: MENU_RETRY_SECONDS, query });
  if (!choice.ok) deps.log.warn({ mac, reason: choice.missing }, 'menu.ipxe: live image not available');
  const body = Buffer.from(script);
  const count = trackTransfer(
    deps.store,
    deps.log,
    { ip: from, mac, file: 'menu.ipxe', kind: 'menu', size: body.length },
    ctx.res,
  );
  count(body.length);
  ctx.type = 'text/plain; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

/** Sends the first file that exists among `candidates` (absolute paths); false when none does. */
async function sendFirst(
  ctx: Context,
  deps: BootDeps,
  candidates: string[],
  kind: TransferKind,
  headers?: (path: string) => Promise<Record<string, string>>,
): Promise<boolean> {
  for (const path of candidates) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const r = await resolveInTree(dirname(path), [name]);
    if (r.kind !== 'file') continue;
    const count = trackTransfer(
      deps.store,
      deps.log,
      { ip: ctx.req.socket.remoteAddress ?? '', file: ctx.path, kind, size: r.stat.size },
      ctx.res,
    );
    await sendFile(ctx, r.realRoot, r.real, count, headers ? await headers(r.real) : {});
    return true;
  }
  return false;
}

export async function serveIpxeEfi(ctx: Context, deps: BootDeps): Promise<void> {
  const name = deps.config.boot.files.efi64;
  const candidates = [deps.config.tftpRoot, ...deps.config.boot.ipxeDir].map((d) => `${d}/${name}`);
  if (!(await sendFirst(ctx, deps, candidates, 'bootloader'))) {
    ctx.status = 404;
    ctx.body = `ipxe.efi not found (looked in ${candidates.join(', ')})\n`;
  }
}

const shaCache = new Map<string, { key: string; sha256: string }>();

async function sha256Of(path: string, key: string): Promise<string> {
  const hit = shaCache.get(path);
  if (hit?.key === key) return hit.sha256;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  shaCache.set(path, { key, sha256 });
  return sha256;
}

export function postTgzCandidates(config: ReconConfig): string[] {
  const install = config.http.roots['/install'];
  return [...(install ? [`${install}/${config.boot.imageDir}/post.tgz`] : []), `${APP_ROOT}post.tgz`];
}

export async function servePostTgz(ctx: Context, deps: BootDeps): Promise<void> {
  const candidates = postTgzCandidates(deps.config);
  const found = await sendFirst(ctx, deps, candidates, 'workload', async (real) => {
    const r = await resolveInTree(dirname(real), [real.slice(real.lastIndexOf('/') + 1)]);
    const key = r.kind === 'file' ? `${r.stat.size}-${r.stat.mtimeMs}` : '';
    return { 'X-Recon-Sha256': await sha256Of(real, key) };
  });
  if (!found) {
    ctx.status = 404;
    ctx.body = `post.tgz not found (looked for ${candidates.join(', ')}); build it with npm run build:post\n`;
  }
}

/** Serves a live-medium file if `name` is one; false otherwise (the static tree gets its turn). */
export async function serveLiveFile(ctx: Context, deps: BootDeps, name: string): Promise<boolean> {
  const live = deps.live;
  const extent = live?.extents[name];
  if (!live || !extent) return false;
  const kind = bootKind(name);
  const count = trackTransfer(
    deps.store,
    deps.log,
    { ip: ctx.req.socket.remoteAddress ?? '', file: ctx.path, kind, size: extent.size },
    ctx.res,
  );
  await serveRegion(
    ctx,
    {
      path: live.device,
      extent,
      etag: live.etag,
      contentType: kind === 'image' ? 'application/x-iso9660-image' : 'application/octet-stream',
    },
    count,
  );
  return true;
}
