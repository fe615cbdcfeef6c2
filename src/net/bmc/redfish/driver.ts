// The BMC driver over Redfish (DMTF DSP0266): service root → Systems → the system; power through
// ComputerSystem.Reset with a ResetType the system allows; a one-time PXE boot through a PATCH of Boot
// (If-Match when the system has an ETag, one retry after a re-read on 412/428); a session (X-Auth-Token,
// deleted at close) or basic auth when the service has no sessions; 202 + Location followed to the end.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BmcError,
  type BmcCredentials,
  type BmcDriver,
  type BmcIdentity,
  type BmcPowerState,
  type BootDevice,
  type BootMode,
} from '../driver.js';
import type { Fingerprint, PinVerdict } from '../tofu.js';
import { RedfishTransport, type HttpAnswer } from './http.js';
import {
  chooseResetType,
  chooseSystem,
  errorMessage,
  oneTimePxePatch,
  parseActionInfoResetTypes,
  parseInterfaceMac,
  parseMembers,
  parseServiceRoot,
  parseSystem,
  pxeOnceIsSet,
  taskProgress,
  type PowerIntent,
  type ServiceRoot,
  type SystemResource,
} from './parse.js';

export interface RedfishOptions {
  host: string;
  port?: number;
  credentials: BmcCredentials;
  tofuStore: string;
  /** the Systems member to drive when the BMC manages several */
  systemId?: string;
  /** 'auto': a session when the service offers one, basic auth otherwise */
  auth?: 'auto' | 'session' | 'basic';
  requestTimeoutMs?: number;
  /** how long an asynchronous operation (task monitor) may run */
  taskTimeoutMs?: number;
  taskPollMs?: number;
  maxBodyBytes?: number;
  onCertificate?: (fingerprint: Fingerprint, verdict: PinVerdict['kind']) => void;
}

const DEFAULTS = {
  port: 443,
  requestTimeoutMs: 15_000,
  taskTimeoutMs: 60_000,
  taskPollMs: 1000,
  maxBodyBytes: 1 << 20,
};

/** At most this many EthernetInterfaces are read for the MACs. */
const MAX_INTERFACES = 16;

function transportFor(o: RedfishOptions, timeoutMs?: number): RedfishTransport {
  return new RedfishTransport({
    host: o.host,
    port: o.port ?? DEFAULTS.port,
    tofuStore: o.tofuStore,
    timeoutMs: timeoutMs ?? o.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    maxBodyBytes: o.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    onCertificate: o.onCertificate,
  });
}

/** True when the address answers a Redfish service root on HTTPS (unauthenticated, as DSP0266 allows). */
export async function probeRedfish(o: RedfishOptions, timeoutMs = 5000): Promise<boolean> {
  try {
    const r = await transportFor(o, timeoutMs).request('GET', '/redfish/v1/');
    return r.status === 200 && parseServiceRoot(r.json) !== undefined;
  } catch (e) {
    if (e instanceof BmcError && e.kind === 'certificate-changed') throw e;
    return false;
  }
}

export async function openRedfish(o: RedfishOptions): Promise<RedfishDriver> {
  const driver = new RedfishDriver(o, transportFor(o));
  await driver.start();
  return driver;
}

/** A BMC's non-2xx answer, with its status kept for the retry decisions. */
class AnswerError extends BmcError {
  constructor(
    kind: BmcError['kind'],
    address: string,
    detail: string,
    readonly status: number,
  ) {
    super(kind, address, detail);
  }
}

function header(a: HttpAnswer, name: string): string | undefined {
  const v = a.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class RedfishDriver implements BmcDriver {
  readonly kind = 'redfish';
  readonly address: string;
  private authHeader: Record<string, string> = {};
  private session: string | undefined;
  private root: ServiceRoot = {};
  private systemPath = '';
  private actionInfo: { path: string; values: string[] | undefined } | undefined;

  constructor(
    private readonly o: RedfishOptions,
    private readonly http: RedfishTransport,
  ) {
    this.address = http.endpoint;
  }

  /** The fingerprint of the BMC's TLS certificate (as recorded in the trust store). */
  get fingerprint(): Fingerprint | undefined {
    return this.http.fingerprint;
  }

  /** The path of the system this driver acts on. */
  get system(): string {
    return this.systemPath;
  }

  private fail(kind: BmcError['kind'], detail: string): BmcError {
    return new BmcError(kind, this.address, detail);
  }

  /** One request with the current authentication; a non-2xx answer becomes a BmcError with the BMC's words. */
  private async call(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
    const a = await this.http.request(method, path, { body, headers: { ...this.authHeader, ...headers } });
    if (a.status >= 200 && a.status < 300) return a;
    throw this.answerError(method, path, a);
  }

  private answerError(method: string, path: string, a: HttpAnswer): BmcError {
    const said = errorMessage(a.json) ?? `HTTP ${a.status}`;
    const kind =
      a.status === 401
        ? 'auth'
        : a.status === 403 || a.status === 400 || a.status === 409
          ? 'refused'
          : a.status === 404 || a.status === 405 || a.status === 501
            ? 'unsupported'
            : 'other';
    return new AnswerError(kind, this.address, `${method} ${path}: ${said}`, a.status);
  }

  async start(): Promise<void> {
    const rootAnswer = await this.http.request('GET', '/redfish/v1/');
    const root = rootAnswer.status === 200 ? parseServiceRoot(rootAnswer.json) : undefined;
    if (!root)
      throw this.fail(
        'protocol',
        `GET /redfish/v1/ did not answer a Redfish service root (HTTP ${rootAnswer.status})`,
      );
    this.root = root;
    await this.login();
    try {
      if (!root.systems) throw this.fail('protocol', 'the service root names no Systems collection');
      const members = parseMembers((await this.call('GET', root.systems)).json);
      const chosen = chooseSystem(members, this.o.systemId);
      if ('error' in chosen) throw this.fail('protocol', chosen.error);
      this.systemPath = chosen.path;
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  private async login(): Promise<void> {
    const { username, password } = this.o.credentials;
    const mode = this.o.auth ?? 'auto';
    if (mode !== 'basic' && this.root.sessions) {
      const a = await this.http.request('POST', this.root.sessions, {
        body: { UserName: username, Password: password },
      });
      const token = header(a, 'x-auth-token');
      if (a.status >= 200 && a.status < 300 && token) {
        this.authHeader = { 'X-Auth-Token': token };
        const location = header(a, 'location');
        // Location may be absolute; only its path is ours to DELETE
        this.session = location ? new URL(location, 'https://bmc').pathname : undefined;
        return;
      }
      if (a.status === 401 || a.status === 403 || mode === 'session')
        throw this.answerError('POST', this.root.sessions, a);
    } else if (mode === 'session') throw this.fail('unsupported', 'the service offers no SessionService');
    this.authHeader = { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    try {
      await this.http.request('DELETE', session, { headers: this.authHeader });
    } catch {
      // the session times out on the BMC by itself; a failed logout is no failure of the operation
    }
  }

  private async readSystem(): Promise<{ system: SystemResource; etag?: string }> {
    const a = await this.call('GET', this.systemPath);
    const system = parseSystem(a.json);
    if (!system) throw this.fail('protocol', `GET ${this.systemPath}: not a ComputerSystem`);
    return { system, etag: header(a, 'etag') ?? system.etag };
  }

  async powerState(): Promise<BmcPowerState> {
    return (await this.readSystem()).system.power;
  }

  private async allowedResets(system: SystemResource): Promise<string[] | undefined> {
    if (system.allowedResets || !system.resetActionInfo) return system.allowedResets;
    // an ActionInfo describes the service, not the moment: read once per driver
    const path = system.resetActionInfo;
    if (this.actionInfo?.path !== path)
      this.actionInfo = { path, values: parseActionInfoResetTypes((await this.call('GET', path)).json) };
    return this.actionInfo.values;
  }

  private async reset(intent: PowerIntent): Promise<void> {
    const { system } = await this.readSystem();
    // already there: nothing to send (BMCs answer "On" while on with an error, each in its own words)
    if (system.power === (intent === 'on' ? 'on' : 'off')) return;
    if (!system.resetTarget)
      throw this.fail('unsupported', `${this.systemPath} offers no ComputerSystem.Reset action`);
    const allowed = await this.allowedResets(system);
    const type = chooseResetType(intent, allowed);
    if (!type)
      throw this.fail(
        'unsupported',
        `no reset type for ${intent} among those allowed: ${allowed?.join(', ') ?? 'none'}`,
      );
    const a = await this.call('POST', system.resetTarget, { ResetType: type });
    await this.followTask(a, `Reset ${type}`);
  }

  /** An answer 202 with a Location is a task monitor: polled until it is done, for at most taskTimeoutMs. */
  private async followTask(a: HttpAnswer, what: string): Promise<void> {
    const monitor = header(a, 'location');
    if (a.status !== 202 || !monitor) return;
    const path = new URL(monitor, 'https://bmc').pathname;
    const deadline = Date.now() + (this.o.taskTimeoutMs ?? DEFAULTS.taskTimeoutMs);
    for (;;) {
      const retryAfter = Number(header(a, 'retry-after'));
      const wait =
        Number.isFinite(retryAfter) && retryAfter > 0
          ? retryAfter * 1000
          : (this.o.taskPollMs ?? DEFAULTS.taskPollMs);
      if (Date.now() + wait > deadline)
        throw this.fail(
          'timeout',
          `${what}: still running after ${this.o.taskTimeoutMs ?? DEFAULTS.taskTimeoutMs} ms (task ${path})`,
        );
      await sleep(wait);
      a = await this.call('GET', path);
      const progress = a.status === 202 ? { kind: 'running' as const } : taskProgress(a.json);
      if (progress.kind === 'done') return;
      if (progress.kind === 'failed') throw this.fail('refused', `${what}: ${progress.detail}`);
    }
  }

  powerOn(): Promise<void> {
    return this.reset('on');
  }

  gracefulOff(): Promise<void> {
    return this.reset('graceful-off');
  }

  forceOff(): Promise<void> {
    return this.reset('force-off');
  }

  async setOneTimeBoot(_dev: BootDevice, mode: BootMode): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const { system, etag } = await this.readSystem();
      const patch = oneTimePxePatch(system.boot, mode);
      if ('error' in patch) throw this.fail('unsupported', patch.error);
      try {
        const a = await this.call(
          'PATCH',
          this.systemPath,
          patch.body,
          etag ? { 'If-Match': etag } : undefined,
        );
        await this.followTask(a, 'boot override');
        break;
      } catch (e) {
        // 412: the resource changed since it was read; 428: this BMC wants If-Match. Read again, once.
        const stale = e instanceof AnswerError && (e.status === 412 || e.status === 428);
        if (attempt === 0 && stale) continue;
        throw e;
      }
    }
    const { system } = await this.readSystem();
    if (!pxeOnceIsSet(system.boot))
      throw this.fail(
        'refused',
        `the boot override reads ${system.boot?.target ?? 'nothing'}/${system.boot?.enabled ?? 'nothing'} after setting Pxe/Once`,
      );
  }

  async identify(): Promise<BmcIdentity> {
    const { system } = await this.readSystem();
    const macs: string[] = [];
    if (system.ethernetInterfaces) {
      const members = parseMembers((await this.call('GET', system.ethernetInterfaces)).json).slice(
        0,
        MAX_INTERFACES,
      );
      for (const m of members) {
        const mac = parseInterfaceMac((await this.call('GET', m)).json);
        if (mac && !macs.includes(mac)) macs.push(mac);
      }
    }
    return {
      ...system.identity,
      vendor: system.identity.vendor ?? this.root.vendor,
      macs,
    };
  }
}
