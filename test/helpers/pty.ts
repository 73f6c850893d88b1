// A socat pty pair: the gateway opens `dev` with the real serialport binding, a
// simulator (or the test) speaks on `far`. Killing socat is an unplug.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export class PtyPair {
  private proc: ChildProcess | null = null;
  readonly dev: string;
  readonly far: string;

  constructor(dir: string, name: string) {
    this.dev = join(dir, `${name}-dev`);
    this.far = join(dir, `${name}-far`);
  }

  async start(): Promise<void> {
    this.proc = spawn('socat', [`pty,raw,echo=0,link=${this.dev}`, `pty,raw,echo=0,link=${this.far}`], { stdio: 'ignore' });
    this.proc.once('error', (e) => {
      throw new Error(`socat could not start (install socat): ${e.message}`);
    });
    for (let i = 0; i < 200; i++) {
      if (existsSync(this.dev) && existsSync(this.far)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('socat did not create the pty pair within 2 s');
  }

  /** The unplug: socat exits, both ptys close and the links vanish. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
    for (let i = 0; i < 100 && existsSync(this.dev); i++) await new Promise((r) => setTimeout(r, 10));
  }
}
