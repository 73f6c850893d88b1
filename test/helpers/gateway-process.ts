// Runs the built gateway (dist/) as a child process for chaos and integration tests:
// writes a temp config and credentials file, picks a free port, spawns
// `node dist/firmware-ts/src/main.js --config FILE`, waits for the "gateway ready"
// log line, and kills it. The data directory outlives a process, so a test can
// SIGKILL the gateway and start it again on the same journal.
//
// Every spawned child is tracked; killAllGateways() (call it from afterAll) and a
// process 'exit' hook make sure no gateway outlives the test run.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built entry point; VIM_TEST_GATEWAY_MAIN points the tests at another build (e.g. a mutated copy). */
export const GATEWAY_MAIN = process.env.VIM_TEST_GATEWAY_MAIN || join(REPO_ROOT, 'dist', 'firmware-ts', 'src', 'main.js');
export const DEMO_USERS = join(REPO_ROOT, 'config', 'demo-users.json');

/** A staff login from config/demo-users.json. */
export const STAFF = { username: 'personel1', password: 'personel-demo' } as const;

const live = new Set<ChildProcess>();

process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

function canListen(port: number, host: string): Promise<number | null> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(null));
    srv.listen(port, host, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : null;
      srv.close(() => res(got));
    });
  });
}

/** The kernel's ephemeral range (source ports of outgoing connections and of listen(0)). */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi) return [lo, hi];
  } catch {
    /* not Linux */
  }
  return [32768, 60999];
}

/**
 * A free TCP port, chosen BELOW the ephemeral range. A test that restarts a gateway on the
 * same port leaves it unbound for a moment; a port in the ephemeral range could then be
 * taken as the source port of some outgoing connection (even a client's self-connect to
 * it), and the restart would fail with EADDRINUSE.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [lo] = ephemeralRange();
  const floor = 10_000;
  if (lo > floor + 1000) {
    for (let i = 0; i < 50; i++) {
      const port = floor + Math.floor(Math.random() * (lo - floor));
      if ((await canListen(port, host)) !== null) return port;
    }
  }
  const any = await canListen(0, host);
  if (any === null) throw new Error(`cannot find a free port on ${host}`);
  return any;
}

/** Fails loudly (never skips) when the gateway has not been built. */
export function requireBuiltGateway(): void {
  if (!existsSync(GATEWAY_MAIN)) {
    throw new Error(`the gateway is not built: ${GATEWAY_MAIN} is missing; run \`npm run build\` (or \`npx tsc -p tsconfig.build.json\`) first`);
  }
}

export interface GatewayFilesOptions {
  /** Directory for the config, credentials and (by default) the data; a fresh temp dir if omitted. */
  dir?: string;
  /** Journal + settings directory; `<dir>/data` if omitted. */
  dataDir?: string;
  /** MQTT TCP port; a free one if omitted. */
  port?: number;
  /** Credentials file to copy; config/demo-users.json if omitted. */
  usersFile?: string;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** Staff publish limits; chaos loads raise them so rate limiting does not dominate. */
  staffLimits?: { publishPerSecond: number; burst: number };
  /** Extra top-level config keys merged over the generated ones (shallow). */
  extra?: Record<string, unknown>;
}

export interface GatewayFiles {
  dir: string;
  dataDir: string;
  configFile: string;
  usersFile: string;
  port: number;
  url: string;
  journalFile: string;
  /** The parsed config as written (paths absolute). */
  config: Record<string, unknown>;
}

/** Writes a config and a credentials file for one test gateway. */
export async function writeGatewayFiles(opts: GatewayFilesOptions = {}): Promise<GatewayFiles> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'vimgw-test-'));
  mkdirSync(dir, { recursive: true });
  const dataDir = opts.dataDir ?? join(dir, 'data');
  const port = opts.port ?? (await freePort());
  const usersFile = join(dir, 'users.json');
  copyFileSync(opts.usersFile ?? DEMO_USERS, usersFile);
  const limits = opts.staffLimits ? { staff: { maxPayloadBytes: 65536, ...opts.staffLimits } } : {};
  const config: Record<string, unknown> = {
    vehicle: { id: 'VIM-TEST', name: 'chaos bench' },
    dataDir,
    log: { level: opts.logLevel ?? 'info', pretty: 'never' },
    broker: { tcp: { host: '127.0.0.1', port }, credentialsFile: usersFile, limits },
    ...opts.extra,
  };
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  return { dir, dataDir, configFile, usersFile, port, url: `mqtt://127.0.0.1:${port}`, journalFile: join(dataDir, 'journal.sqlite'), config };
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The test's environment minus what would change the gateway's behaviour (systemd, config overrides). */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'NOTIFY_SOCKET' || k.startsWith('WATCHDOG_') || k === 'VIM_CONFIG' || k.startsWith('VIM_CFG__')) continue;
    env[k] = v;
  }
  return env;
}

/** One gateway child process; start() may be called again after it exited (same files). */
export class GatewayProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<ExitInfo> | null = null;
  /** stdout + stderr of every run, kept for failure messages. */
  readonly output: string[] = [];
  starts = 0;
  /**
   * How the child is launched beyond `node main.js --config`: the soak sets the systemd unit's
   * node flags and MALLOC_* environment, so that its RSS is the service's.
   */
  launch: { nodeArgs: readonly string[]; env: Readonly<Record<string, string>> } = { nodeArgs: [], env: {} };

  constructor(readonly files: GatewayFiles) {}

  static async create(opts: GatewayFilesOptions = {}): Promise<GatewayProcess> {
    requireBuiltGateway();
    return new GatewayProcess(await writeGatewayFiles(opts));
  }

  get running(): boolean {
    return this.child !== null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the gateway and resolves once it logged "gateway ready"; rejects (and kills it) otherwise. */
  async start(timeoutMs = 20_000): Promise<void> {
    if (this.child) throw new Error('gateway already running');
    requireBuiltGateway();
    this.starts++;
    const run = this.starts;
    const child = spawn(process.execPath, [...this.launch.nodeArgs, GATEWAY_MAIN, '--config', this.files.configFile], {
      cwd: this.files.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...childEnv(), ...this.launch.env },
    });
    this.child = child;
    live.add(child);
    this.exited = new Promise<ExitInfo>((res) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        if (this.child === child) this.child = null;
        res({ code, signal });
      });
    });
    let buf = '';
    const ready = new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`gateway (run ${run}) not ready within ${timeoutMs} ms`)), timeoutMs);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        this.output.push(chunk);
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.includes('"gateway ready"')) {
            clearTimeout(timer);
            res();
          }
        }
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => this.output.push(`[stderr] ${chunk}`));
      child.once('error', (e) => {
        clearTimeout(timer);
        rej(e);
      });
      void this.exited!.then((x) => {
        clearTimeout(timer);
        rej(new Error(`gateway (run ${run}) exited before ready (code ${x.code}, signal ${x.signal})`));
      });
    });
    try {
      await ready;
    } catch (e) {
      await this.kill('SIGKILL');
      throw new Error(`${(e as Error).message}\n--- gateway output ---\n${this.tail()}`);
    }
  }

  /** Sends a signal and waits for the process to exit (SIGKILL by default). */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 15_000): Promise<ExitInfo | null> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) return null;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((res) => {
      timer = setTimeout(() => res('timeout'), timeoutMs);
    });
    const r = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (r === 'timeout') {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`gateway did not exit within ${timeoutMs} ms of ${signal}`);
    }
    return r;
  }

  /** The last `chars` characters of the gateway's output, for failure messages. */
  tail(chars = 4000): string {
    return this.output.join('').slice(-chars);
  }

  /** Kills the process if it runs and removes the temp directory (unless keepFiles). */
  async dispose(keepFiles = false): Promise<void> {
    await this.kill('SIGKILL');
    if (!keepFiles) rmSync(this.files.dir, { recursive: true, force: true });
  }
}

/** SIGKILLs every gateway child still running (for afterAll). */
export async function killAllGateways(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((res) => {
          if (child.exitCode !== null || child.signalCode !== null) return res();
          child.once('exit', () => res());
          child.kill('SIGKILL');
        }),
    ),
  );
}
