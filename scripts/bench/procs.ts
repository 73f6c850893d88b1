// Everything the bench starts is registered here and undone at the end, in
// reverse order, whatever happened: child processes and the temp directory.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

type Undo = () => Promise<void> | void;

export class Cleanup {
  private readonly undo: { what: string; fn: Undo }[] = [];

  add(what: string, fn: Undo): void {
    this.undo.push({ what, fn });
  }

  async run(): Promise<void> {
    while (this.undo.length > 0) {
      const { what, fn } = this.undo.pop()!;
      try {
        await fn();
      } catch (e) {
        process.stderr.write(`bench: cleanup of ${what} failed: ${String(e)}\n`);
      }
    }
  }
}

/** A fresh temp directory (under `parent`, default the OS temp dir), removed at cleanup. */
export function tempRoot(cleanup: Cleanup, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, 'vim-bench-'));
  cleanup.add(`temp dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A port the kernel just handed out on 127.0.0.1 (then released for the real listener). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host: '127.0.0.1', port }, () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits for a child to exit; after `graceMs` it is SIGKILLed. Resolves with the exit code (null if signalled). */
export function waitExit(child: ChildProcess, graceMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Registers a child so cleanup stops it (SIGTERM, then SIGKILL) if it is still running. */
export function track(cleanup: Cleanup, what: string, child: ChildProcess): void {
  cleanup.add(what, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await waitExit(child, 3000);
  });
}

/** Finds an executable on PATH or in the sbin directories Debian puts daemons in. */
export function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs.filter(Boolean)) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  throw new Error(`${name} not found on PATH or in /usr/sbin (apt-get install ${name})`);
}

/** Splits a child's output stream into lines. */
export function onLines(stream: NodeJS.ReadableStream | null, fn: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      fn(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

/** The kernel's clock ticks per second (the unit of /proc/<pid>/stat's CPU times). */
export function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** CPU time (user + system) a process has used so far, from /proc; NaN where there is none. */
export function procCpuMs(pid: number | undefined, ticks: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / ticks;
  } catch {
    return NaN;
  }
}

/**
 * Waits until a process is idle: under 5 % of a core over 250 ms, twice in a row (at most
 * `maxMs`). A round must not start while its subject still digests the previous one (a major
 * GC after a durable round, a WAL checkpoint): the next subject's rate and CPU per message
 * would be charged for it. Resolves with the milliseconds waited.
 */
export async function settle(pid: number | undefined, maxMs = 15_000, ticks = clockTicks()): Promise<number> {
  const t0 = performance.now();
  let quiet = 0;
  let last = procCpuMs(pid, ticks);
  if (Number.isNaN(last)) return 0;
  while (quiet < 2 && performance.now() - t0 < maxMs) {
    await sleep(250);
    const now = procCpuMs(pid, ticks);
    quiet = now - last < 12.5 ? quiet + 1 : 0;
    last = now;
  }
  return Math.round(performance.now() - t0);
}
