// A real mosquitto as the HQ broker for sync tests (scripts/test.sh installs it): on a
// fixed free loopback port so it can be stopped and started again at the same address,
// with persistence (a clean stop keeps queued messages for persistent sessions), no cap
// on queued messages, and optionally a password file or a TLS listener.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinary, waitExit, waitForPort } from '../../scripts/bench/procs.js';
import { freePort } from './gateway-process.js';

export interface MosquittoOptions {
  /** user -> password; without it anonymous clients are allowed. */
  users?: Record<string, string>;
  /** PEM files for a TLS listener (the only listener then). */
  tls?: { cert: string; key: string; ca?: string; requireClientCert?: boolean };
}

export class TestMosquitto {
  private child: ChildProcess | null = null;
  private stderr = '';
  readonly conf: string;

  private constructor(
    readonly dir: string,
    readonly port: number,
    opts: MosquittoOptions,
  ) {
    mkdirSync(dir, { recursive: true });
    this.conf = join(dir, 'mosquitto.conf');
    const lines = [
      `listener ${port} 127.0.0.1`,
      'persistence true',
      `persistence_location ${dir}/`,
      'max_queued_messages 0',
      'max_inflight_messages 100',
      'set_tcp_nodelay true',
      'log_dest stderr',
      'log_type error',
      // Run as root (CI containers), mosquitto would drop to user "mosquitto", which cannot read our 0700 temp dirs.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
    ];
    if (opts.users) {
      const pw = join(dir, 'passwd');
      writeFileSync(pw, '');
      for (const [u, p] of Object.entries(opts.users)) execFileSync('mosquitto_passwd', ['-b', pw, u, p]);
      lines.push('allow_anonymous false', `password_file ${pw}`);
    } else lines.push('allow_anonymous true');
    if (opts.tls) {
      lines.push(`certfile ${opts.tls.cert}`, `keyfile ${opts.tls.key}`);
      if (opts.tls.ca) lines.push(`cafile ${opts.tls.ca}`);
      if (opts.tls.requireClientCert) lines.push('require_certificate true');
    }
    writeFileSync(this.conf, `${lines.join('\n')}\n`);
  }

  static async start(dir: string, opts: MosquittoOptions = {}): Promise<TestMosquitto> {
    const m = new TestMosquitto(dir, await freePort(), opts);
    await m.start();
    return m;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(findBinary('mosquitto'), ['-c', this.conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (this.stderr += d));
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    const died = new Promise<never>((_, rej) => child.once('exit', (code) => rej(new Error(`mosquitto exited (${code}): ${this.stderr.trim()}`))));
    died.catch(() => undefined);
    await Promise.race([waitForPort(this.port, 10_000), died]);
  }

  /** SIGTERM: mosquitto saves its persistence file and exits. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const c = this.child;
    if (!c) return;
    c.kill(signal);
    await waitExit(c, 5000);
    this.child = null;
  }

  log(): string {
    return this.stderr;
  }
}
