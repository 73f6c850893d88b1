// The anchor broker: mosquitto on a free loopback port with a temp config
// (anonymous, TCP_NODELAY, no persistence), stopped at the end of its row.
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cleanup, clockTicks, findBinary, freePort, procCpuMs, track, waitExit, waitForPort } from './procs.js';

export interface Mosquitto {
  port: number;
  pid: number | undefined;
  version: string;
  /** CPU time (user + system) mosquitto has used so far, from /proc; NaN where there is no /proc. */
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function startMosquitto(dir: string, cleanup: Cleanup): Promise<Mosquitto> {
  const bin = findBinary('mosquitto');
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'set_tcp_nodelay true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', ''].join(
      '\n',
    ),
  );
  let version = 'unknown';
  try {
    version = /version (\S+)/.exec(execFileSync(bin, ['-h'], { encoding: 'utf8' }))?.[1] ?? version;
  } catch (e) {
    // `mosquitto -h` exits 3 after printing its usage; the text is still there.
    const out = (e as { stdout?: string }).stdout ?? '';
    version = /version (\S+)/.exec(out)?.[1] ?? version;
  }
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  track(cleanup, 'mosquitto', child);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`mosquitto exited (${code}) before listening: ${stderr.trim()}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([waitForPort(port, 5000), exited]);
  const ticks = clockTicks();
  return {
    port,
    version,
    pid: child.pid,
    cpuMs: () => procCpuMs(child.pid, ticks),
    stop: async () => {
      child.kill('SIGTERM');
      await waitExit(child, 3000);
    },
  };
}
