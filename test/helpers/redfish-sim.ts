// A Redfish BMC simulator (DMTF DSP0266) for tests and rigs: HTTPS with a self-signed certificate made at
// start (openssl), the service root, SessionService/Sessions (X-Auth-Token) and basic auth, a Systems
// collection with one ComputerSystem, ComputerSystem.Reset limited to its AllowableValues (inline or
// through an ActionInfo), the Boot override with ETags (If-Match checked: 412 on a mismatch, 428 where the
// profile demands it), and task monitors (a reset may answer 202 + Location). Resources are the vendor
// fixtures (test/fixtures/bmc) with the live power state, boot override and ETag laid over them.
// The machine behind it is a `SimHost`: in memory by default, or hooks (a QEMU VM in the rigs).
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PLAIN, type Json, type VendorFixture } from '../fixtures/bmc/redfish-vendors.js';
import { baseError, baseMessage } from './redfish-sim-messages.js';

export type SimPower = 'On' | 'Off';

/** The one-time (or continuous) boot override the host should honour at its next power on. */
export interface SimBoot {
  target: string;
  enabled: 'Disabled' | 'Once' | 'Continuous';
  mode: string;
}

/** The machine the BMC manages. */
export interface SimHost {
  power(): Promise<SimPower>;
  /** power on; `boot` is the override in force for this boot (target None when none) */
  powerOn(boot: SimBoot): Promise<void>;
  /** ACPI power button: the host may ignore it */
  gracefulOff(): Promise<void>;
  forceOff(): Promise<void>;
}

/** A host in memory: power is a variable; a graceful off works unless `ignoresGracefulOff`. */
export class MemoryHost implements SimHost {
  state: SimPower;
  /** every boot, with the override it got */
  boots: SimBoot[] = [];
  constructor(
    initial: SimPower = 'Off',
    public ignoresGracefulOff = false,
  ) {
    this.state = initial;
  }
  power(): Promise<SimPower> {
    return Promise.resolve(this.state);
  }
  powerOn(boot: SimBoot): Promise<void> {
    this.state = 'On';
    this.boots.push(boot);
    return Promise.resolve();
  }
  gracefulOff(): Promise<void> {
    if (!this.ignoresGracefulOff) this.state = 'Off';
    return Promise.resolve();
  }
  forceOff(): Promise<void> {
    this.state = 'Off';
    return Promise.resolve();
  }
}

export interface RedfishSimOptions {
  address?: string;
  /** 0 (default): any free port */
  port?: number;
  username: string;
  password: string;
  vendor?: VendorFixture;
  host?: SimHost;
  /** reset answers 202 + a task monitor: never, always, or every n-th reset */
  asyncResets?: 'never' | 'always' | number;
  /** how many polls of a task monitor answer "running" before the task is done */
  taskPolls?: number;
  /** told about each request before it is answered (a test may change the state in between) */
  beforeRequest?: (method: string, path: string) => void;
  /** PEM files to serve instead of a certificate made at start */
  certFile?: string;
  keyFile?: string;
}

export interface SimRequest {
  method: string;
  path: string;
  auth: 'session' | 'basic' | 'none' | 'bad';
  ifMatch?: string;
  status: number;
  body?: unknown;
  /** why the simulator failed to answer (a host command that failed) */
  error?: string;
}

export interface RedfishSim {
  address: string;
  port: number;
  /** "https://address:port" */
  url: string;
  /** SHA-256 fingerprint of the certificate being served */
  fingerprint: string;
  /** the certificate being served (PEM), for clients that verify against it */
  certPem: string;
  boot: SimBoot;
  etag(): string;
  requests: SimRequest[];
  sessions(): number;
  /** serves a new self-signed certificate from now on (a BMC whose certificate was replaced) */
  replaceCertificate(): Promise<string>;
  /** the next PATCH sees the system as changed by someone else (its ETag moves on) */
  touch(): void;
  stop(): Promise<void>;
}

/** The argv that runs the simulator as a program (test/helpers/redfish-sim-main.ts; its options follow). */
export const REDFISH_SIM_ARGV: readonly string[] = [
  process.execPath,
  '--import',
  import.meta.resolve('tsx'),
  fileURLToPath(new URL('./redfish-sim-main.ts', import.meta.url)),
];

const run = promisify(execFile);
const MAX_BODY = 64 * 1024;

class BodyTooLarge extends Error {}
const MAX_SESSIONS = 32;

/** A self-signed certificate and key (EC P-256) for `address`, made by openssl. */
export async function makeCertificate(
  address: string,
  cn = 'redfish-sim',
): Promise<{ cert: string; key: string }> {
  const san = /^[0-9.]+$|:/.test(address) ? `IP:${address}` : `DNS:${address}`;
  const dir = await mkdtemp(join(tmpdir(), 'recon-rfcert-'));
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '30',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      `subjectAltName=${san}`,
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    return {
      cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
      key: await readFile(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const clone = <T>(v: T): T => structuredClone(v);
const trimSlash = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

export async function startRedfishSim(o: RedfishSimOptions): Promise<RedfishSim> {
  const vendor = o.vendor ?? PLAIN;
  const host = o.host ?? new MemoryHost();
  const systemBoot = (vendor.system.Boot ?? {}) as Json;
  const boot: SimBoot = {
    target: 'None',
    enabled: 'Disabled',
    mode: typeof systemBoot.BootSourceOverrideMode === 'string' ? systemBoot.BootSourceOverrideMode : 'UEFI',
  };
  let generation = 1;
  const etag = () => `W/"${vendor.name}-${generation}"`;
  const sessions = new Map<string, string>(); // token → session path
  const tasks = new Map<
    string,
    { pollsLeft: number; resetType: string; state: 'Running' | 'Completed' | 'Exception'; message?: string }
  >();
  const requests: SimRequest[] = [];
  let resets = 0;

  let cert: string;
  let key: string;
  if (o.certFile && o.keyFile) {
    cert = await readFile(o.certFile, 'utf8');
    key = await readFile(o.keyFile, 'utf8');
  } else ({ cert, key } = await makeCertificate(o.address ?? '127.0.0.1'));

  const sysPath = trimSlash(vendor.systemPath);
  const sysActions = (vendor.system.Actions as Json)['#ComputerSystem.Reset'] as Json;
  const resetTarget = trimSlash(sysActions.target as string);
  const allowedResets =
    (sysActions['ResetType@Redfish.AllowableValues'] as string[] | undefined) ??
    ((vendor.actionInfo?.body.Parameters as Json[] | undefined)?.[0]?.AllowableValues as
      | string[]
      | undefined) ??
    [];
  const allowedTargets =
    (systemBoot['BootSourceOverrideTarget@Redfish.AllowableValues'] as string[] | undefined) ?? [];
  const allowedModes = systemBoot['BootSourceOverrideMode@Redfish.AllowableValues'] as string[] | undefined;
  const sessionsPath = trimSlash(((vendor.root.Links as Json).Sessions as Json)['@odata.id'] as string);
  const pathStyle = (p: string) => (vendor.systemPath.endsWith('/') ? `${p}/` : p);

  async function systemView(): Promise<Json> {
    const s = clone(vendor.system);
    s.PowerState = await host.power();
    const b = (s.Boot ?? {}) as Json;
    b.BootSourceOverrideTarget = boot.target;
    b.BootSourceOverrideEnabled = boot.enabled;
    if ('BootSourceOverrideMode' in b) b.BootSourceOverrideMode = boot.mode;
    s.Boot = b;
    if (vendor.etagIn === 'body' || vendor.etagIn === 'both') s['@odata.etag'] = etag();
    else delete s['@odata.etag'];
    return s;
  }

  function credentialsMatch(user: string, pass: string): boolean {
    const a = Buffer.from(`${user}\0${pass}`);
    const b = Buffer.from(`${o.username}\0${o.password}`);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  function authOf(req: IncomingMessage): SimRequest['auth'] {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string') return sessions.has(token) ? 'session' : 'bad';
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [user, ...rest] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      return credentialsMatch(user ?? '', rest.join(':')) ? 'basic' : 'bad';
    }
    return 'none';
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_BODY) throw new BodyTooLarge();
      chunks.push(c);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  async function applyReset(type: string): Promise<void> {
    const power = await host.power();
    const on = () => {
      const thisBoot = { ...boot };
      // a one-time override is used up by the boot it applies to (what BMCs report afterwards)
      if (boot.enabled === 'Once') {
        boot.enabled = 'Disabled';
        boot.target = 'None';
        generation++;
      }
      return host.powerOn(thisBoot);
    };
    switch (type) {
      case 'On':
      case 'ForceOn':
        if (power === 'Off') await on();
        return;
      case 'ForceOff':
        return host.forceOff();
      case 'GracefulShutdown':
        return host.gracefulOff();
      case 'PushPowerButton':
        return power === 'On' ? host.gracefulOff() : on();
      case 'ForceRestart':
      case 'PowerCycle':
      case 'GracefulRestart':
        if (power === 'On') await host.forceOff();
        return on();
      default:
        return; // Nmi: nothing a simulated host shows
    }
  }

  type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

  async function route(req: IncomingMessage, auth: SimRequest['auth'], rec: SimRequest): Promise<Answer> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'https://sim');
    const path = trimSlash(url.pathname);
    if (method === 'GET' && path === '/redfish') return { status: 200, body: { v1: '/redfish/v1/' } };
    if (method === 'GET' && path === '/redfish/v1') return { status: 200, body: vendor.root };
    if (method === 'GET' && path === '/redfish/v1/odata')
      return {
        status: 200,
        body: {
          '@odata.context': '/redfish/v1/$metadata',
          value: [
            { name: 'Systems', kind: 'Singleton', url: '/redfish/v1/Systems' },
            { name: 'SessionService', kind: 'Singleton', url: '/redfish/v1/SessionService' },
          ],
        },
      };
    if (method === 'POST' && path === sessionsPath) {
      const b = (await readBody(req)) as Json | undefined;
      if (
        !credentialsMatch(
          typeof b?.UserName === 'string' ? b.UserName : '',
          typeof b?.Password === 'string' ? b.Password : '',
        )
      )
        return baseError('NoValidSession');
      if (sessions.size >= MAX_SESSIONS) return baseError('SessionLimitExceeded');
      const id = randomBytes(8).toString('hex');
      const token = randomBytes(24).toString('hex');
      const sessionPath = `${sessionsPath}/${id}`;
      sessions.set(token, sessionPath);
      return {
        status: 201,
        headers: { 'X-Auth-Token': token, Location: pathStyle(sessionPath) },
        body: {
          '@odata.id': sessionPath,
          '@odata.type': '#Session.v1_3_0.Session',
          Id: id,
          Name: 'User Session',
          UserName: b?.UserName,
        },
      };
    }
    if (auth === 'none' || auth === 'bad')
      return {
        ...baseError('InsufficientPrivilege'),
        headers: { 'WWW-Authenticate': 'Basic realm="Redfish"' },
      };

    if (path === '/redfish/v1/SessionService' && method === 'GET')
      return {
        status: 200,
        body: {
          '@odata.id': '/redfish/v1/SessionService',
          '@odata.type': '#SessionService.v1_1_8.SessionService',
          Id: 'SessionService',
          Name: 'Session Service',
          ServiceEnabled: true,
          SessionTimeout: 1800,
          Sessions: { '@odata.id': sessionsPath },
        },
      };
    if (path === sessionsPath && method === 'GET')
      return {
        status: 200,
        body: {
          '@odata.id': sessionsPath,
          Name: 'Session Collection',
          Members: [...sessions.values()].map((p) => ({ '@odata.id': p })),
          'Members@odata.count': sessions.size,
        },
      };
    if (path.startsWith(`${sessionsPath}/`) && method === 'DELETE') {
      for (const [t, p] of sessions) if (p === path) sessions.delete(t);
      return { status: 204 };
    }
    if (path.startsWith(`${sessionsPath}/`) && method === 'GET')
      return [...sessions.values()].includes(path)
        ? {
            status: 200,
            body: {
              '@odata.id': path,
              '@odata.type': '#Session.v1_3_0.Session',
              Id: path.split('/').pop(),
              Name: 'User Session',
              UserName: o.username,
            },
          }
        : baseError('ResourceMissingAtURI', path);

    if (path === trimSlash(vendor.systemsPath) && method === 'GET')
      return {
        status: 200,
        body: {
          '@odata.id': vendor.systemsPath,
          '@odata.type': '#ComputerSystemCollection.ComputerSystemCollection',
          Name: 'Computer System Collection',
          Members: [{ '@odata.id': vendor.systemPath }],
          'Members@odata.count': 1,
        },
      };
    if (path === sysPath && method === 'GET') {
      const headers: Record<string, string> =
        vendor.etagIn === 'header' || vendor.etagIn === 'both' ? { ETag: etag() } : {};
      return { status: 200, body: await systemView(), headers };
    }
    if (path === sysPath && method === 'PATCH') return patchSystem(req, rec);
    if (path === resetTarget && method === 'POST') return postReset(req);
    if (vendor.actionInfo && path === trimSlash(vendor.actionInfo.path) && method === 'GET')
      return { status: 200, body: vendor.actionInfo.body };
    const ethPath = trimSlash(
      ((vendor.system.EthernetInterfaces as Json | undefined)?.['@odata.id'] as string | undefined) ?? '-',
    );
    if (path === ethPath && method === 'GET')
      return {
        status: 200,
        body: {
          '@odata.id': ethPath,
          Name: 'Ethernet Interface Collection',
          Members: vendor.interfaces.map((i) => ({ '@odata.id': i.path })),
          'Members@odata.count': vendor.interfaces.length,
        },
      };
    const iface = vendor.interfaces.find((i) => trimSlash(i.path) === path);
    if (iface && method === 'GET')
      return {
        status: 200,
        body: {
          '@odata.id': iface.path,
          '@odata.type': '#EthernetInterface.v1_6_0.EthernetInterface',
          ...iface.body,
        },
      };
    if (path.startsWith('/redfish/v1/TaskService/TaskMonitors/') && method === 'GET')
      return pollTask(path.split('/').pop()!, true);
    if (path.startsWith('/redfish/v1/TaskService/Tasks/') && method === 'GET')
      return pollTask(path.split('/').pop()!, false);
    if (path === '/redfish/v1/TaskService/Tasks' && method === 'GET')
      return {
        status: 200,
        body: {
          '@odata.id': '/redfish/v1/TaskService/Tasks',
          Members: [...tasks.keys()].map((id) => ({ '@odata.id': `/redfish/v1/TaskService/Tasks/${id}` })),
          'Members@odata.count': tasks.size,
        },
      };
    if (path === '/redfish/v1/TaskService' && method === 'GET')
      return {
        status: 200,
        body: {
          '@odata.id': '/redfish/v1/TaskService',
          '@odata.type': '#TaskService.v1_2_0.TaskService',
          Id: 'TaskService',
          Name: 'Task Service',
          ServiceEnabled: true,
          Tasks: { '@odata.id': '/redfish/v1/TaskService/Tasks' },
        },
      };
    // the other collections the root links to exist, empty: this BMC models one system only
    const linked = Object.values(vendor.root).some((v) => {
      const id = (v as Json | null)?.['@odata.id'];
      return typeof id === 'string' && trimSlash(id) === path;
    });
    if (linked && method === 'GET')
      return {
        status: 200,
        body: {
          '@odata.id': path,
          Name: `${path.split('/').pop()} Collection`,
          Members: [],
          'Members@odata.count': 0,
        },
      };
    return baseError('ResourceMissingAtURI', url.pathname);
  }

  async function patchSystem(req: IncomingMessage, rec: SimRequest): Promise<Answer> {
    const ifMatch = req.headers['if-match'];
    rec.ifMatch = ifMatch;
    if (ifMatch === undefined && vendor.requireIfMatch) return baseError('PreconditionRequired');
    if (
      ifMatch !== undefined &&
      ifMatch !== '*' &&
      !ifMatch
        .split(',')
        .map((s) => s.trim())
        .includes(etag())
    )
      return baseError('PreconditionFailed');
    const body = (await readBody(req)) as Json | undefined;
    const b = body?.Boot as Json | undefined;
    const unknown = Object.keys(body ?? {}).filter((k) => k !== 'Boot');
    if (!b || unknown.length) return baseError('PropertyUnknown', unknown[0] ?? 'Boot');
    const next = { ...boot };
    for (const [k, v] of Object.entries(b)) {
      const bad = (allowed: readonly string[]) => typeof v !== 'string' || !allowed.includes(v);
      if (k === 'BootSourceOverrideTarget') {
        if (bad(allowedTargets))
          return baseError('PropertyValueNotInList', JSON.stringify(v), 'BootSourceOverrideTarget');
        next.target = v as string;
      } else if (k === 'BootSourceOverrideEnabled') {
        if (bad(['Disabled', 'Once', 'Continuous']))
          return baseError('PropertyValueNotInList', JSON.stringify(v), 'BootSourceOverrideEnabled');
        next.enabled = v as SimBoot['enabled'];
      } else if (k === 'BootSourceOverrideMode' && 'BootSourceOverrideMode' in systemBoot) {
        if (bad(allowedModes ?? ['UEFI', 'Legacy']))
          return baseError('PropertyValueNotInList', JSON.stringify(v), 'BootSourceOverrideMode');
        next.mode = v as string;
      } else return baseError('PropertyNotWritable', k);
    }
    Object.assign(boot, next);
    generation++;
    return {
      status: 200,
      body: await systemView(),
      headers: vendor.etagIn === 'none' ? {} : { ETag: etag() },
    };
  }

  async function postReset(req: IncomingMessage): Promise<Answer> {
    const body = (await readBody(req)) as Json | undefined;
    const type = body?.ResetType;
    if (typeof type !== 'string')
      return baseError('ActionParameterMissing', 'ComputerSystem.Reset', 'ResetType');
    if (!allowedResets.includes(type))
      return baseError(
        'ActionParameterValueNotInList',
        JSON.stringify(type),
        'ResetType',
        'ComputerSystem.Reset',
      );
    if ((type === 'On' || type === 'ForceOn') && (await host.power()) === 'On') return vendor.alreadyOn;
    resets++;
    const async =
      o.asyncResets === 'always' || (typeof o.asyncResets === 'number' && resets % o.asyncResets === 0);
    if (!async) {
      await applyReset(type);
      return { status: 204 };
    }
    const id = randomBytes(6).toString('hex');
    tasks.set(id, { pollsLeft: o.taskPolls ?? 2, resetType: type, state: 'Running' });
    return {
      status: 202,
      headers: { Location: `/redfish/v1/TaskService/TaskMonitors/${id}`, 'Retry-After': '1' },
      body: taskBody(id),
    };
  }

  function taskBody(id: string): Json {
    const t = tasks.get(id)!;
    return {
      '@odata.id': `/redfish/v1/TaskService/Tasks/${id}`,
      '@odata.type': '#Task.v1_7_0.Task',
      Id: id,
      Name: `Reset ${t.resetType}`,
      TaskState: t.state,
      TaskStatus: t.state === 'Exception' ? 'Critical' : 'OK',
      TaskMonitor: `/redfish/v1/TaskService/TaskMonitors/${id}`,
      Messages: t.message ? [{ ...baseMessage('InternalError'), Message: t.message }] : [],
    };
  }

  async function pollTask(id: string, monitor: boolean): Promise<Answer> {
    const t = tasks.get(id);
    if (!t) return baseError('ResourceMissingAtURI', `/redfish/v1/TaskService/Tasks/${id}`);
    if (t.state === 'Running') {
      if (t.pollsLeft > 0) t.pollsLeft--;
      else {
        try {
          await applyReset(t.resetType);
          t.state = 'Completed';
        } catch (e) {
          t.state = 'Exception';
          t.message = (e as Error).message;
        }
      }
    }
    if (monitor && t.state === 'Running')
      return {
        status: 202,
        headers: { Location: `/redfish/v1/TaskService/TaskMonitors/${id}`, 'Retry-After': '1' },
        body: taskBody(id),
      };
    if (monitor && t.state === 'Completed') return { status: 204 };
    return { status: 200, body: taskBody(id) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    o.beforeRequest?.(req.method ?? 'GET', req.url ?? '/');
    const auth = authOf(req);
    const rec: SimRequest = { method: req.method ?? 'GET', path: req.url ?? '/', auth, status: 0 };
    requests.push(rec);
    if (requests.length > 10_000) requests.splice(0, requests.length - 10_000);
    let answer: Answer;
    try {
      answer = await route(req, auth, rec);
    } catch (e) {
      answer =
        e instanceof BodyTooLarge
          ? { status: 413 }
          : e instanceof SyntaxError
            ? baseError('MalformedJSON')
            : baseError('InternalError');
      if (!(e instanceof BodyTooLarge || e instanceof SyntaxError)) rec.error = (e as Error).message;
    }
    rec.status = answer.status;
    rec.body = answer.body;
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'OData-Version': '4.0',
      ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
      'Content-Length': String(Buffer.byteLength(text)),
      ...answer.headers,
    });
    res.end(text);
  }

  const server: Server = createServer({ cert, key }, (req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.address ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const sim: RedfishSim = {
    address: addr.address,
    port: addr.port,
    url: `https://${shownHost}:${addr.port}`,
    fingerprint: new X509Certificate(cert).fingerprint256,
    certPem: cert,
    boot,
    etag,
    requests,
    sessions: () => sessions.size,
    async replaceCertificate() {
      ({ cert, key } = await makeCertificate(o.address ?? '127.0.0.1', 'redfish-sim-replaced'));
      server.setSecureContext({ cert, key });
      sim.fingerprint = new X509Certificate(cert).fingerprint256;
      sim.certPem = cert;
      return sim.fingerprint;
    },
    touch() {
      generation++;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sim;
}
