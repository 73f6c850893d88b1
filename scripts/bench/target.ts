// Parent side of gateway-target.ts: spawns the broker child, waits for it to be
// ready, asks it for samples over IPC, and collects the warnings it logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Cleanup, onLines, track, waitExit } from './procs.js';
import { SERVICE_MALLOC_ENV, SERVICE_NODE_ARGS } from './service-flags.js';
import type { TargetReply, TargetRequest, TargetSample } from './target-protocol.js';

const SCRIPT = fileURLToPath(new URL('./gateway-target.js', import.meta.url));

export class Target {
  /** pino lines at warn or above (the gateway logs refusals and failures there). */
  readonly warnings: string[] = [];
  errorOutput = '';
  port = 0;
  private readonly child: ChildProcess;

  private constructor(
    cleanup: Cleanup,
    private readonly mode: 'gateway' | 'aedes',
    configFile?: string,
  ) {
    const args = [SCRIPT, mode, ...(configFile ? [configFile] : [])];
    // The same allocator settings as systemd/vim-gateway.service and `npm start`, for both targets alike.
    // The unit's node flags (heap cap, young generation) for both targets alike: RSS row (c) measures what ships.
    // BENCH_TARGET_NODE_ARGS adds flags for profiling a target (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"):
    // NODE_OPTIONS refuses --cpu-prof, and it would also profile the load generator.
    const extra = (process.env.BENCH_TARGET_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    this.child = spawn(process.execPath, [...SERVICE_NODE_ARGS, ...extra, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, ...SERVICE_MALLOC_ENV } });
    track(cleanup, `${mode} target`, this.child);
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (d: string) => (this.errorOutput += d));
    onLines(this.child.stdout, (line) => {
      try {
        const doc = JSON.parse(line) as { level?: unknown };
        if (doc.level === 'warn' || doc.level === 'error' || doc.level === 'fatal') this.warnings.push(line);
      } catch {
        /* not a log line */
      }
    });
  }

  static async spawn(cleanup: Cleanup, mode: 'gateway' | 'aedes', configFile?: string): Promise<Target> {
    const t = new Target(cleanup, mode, configFile);
    t.port = await t.ready();
    return t;
  }

  private ready(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.mode} target not ready after 15 s: ${this.errorOutput}`)), 15_000);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`${this.mode} target exited (${code}) before ready: ${this.errorOutput}`));
      };
      const onMessage = (m: TargetReply) => {
        if (m.type !== 'ready' && m.type !== 'error') return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (m.type === 'ready') resolve(m.port);
        else reject(new Error(`${this.mode} target failed: ${m.message}`));
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  /** The child's process id (for /proc/<pid>/io and the like). */
  get pid(): number {
    return this.child.pid ?? NaN;
  }

  private request(m: TargetRequest): void {
    this.child.send(m);
  }

  sampleStart(): void {
    this.request({ type: 'sample-start' });
  }

  sampleStop(): Promise<TargetSample> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no sample from the target within 10 s')), 10_000);
      const onMessage = (m: TargetReply) => {
        if (m.type !== 'sample') return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(m.sample);
      };
      this.child.on('message', onMessage);
      this.request({ type: 'sample-stop' });
    });
  }

  /** Asks the child to stop cleanly; resolves with its exit code (SIGKILL after 10 s). */
  async stop(): Promise<number | null> {
    if (this.child.connected) this.request({ type: 'stop' });
    return waitExit(this.child, 10_000);
  }
}
