// Row (d): start to ready. Spawns dist/firmware-ts/src/main.js with a temp config
// and times, from spawn, the JSON log line {"msg":"gateway ready"}; then SIGTERM and
// expects a clean exit. The anchor is a bare `node -e` that prints one JSON line,
// timed the same way: what any Node process costs before our code runs.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cleanup, onLines, track, waitExit } from './procs.js';

const MAIN = fileURLToPath(new URL('../../firmware-ts/src/main.js', import.meta.url));

export interface StartRun {
  wallMs: number;
  /** The gateway's own figure (from main() entry, after module loading). */
  readyMs: number | null;
  exitCode: number | null;
}

export interface StartupResult {
  gateway: StartRun[];
  bareNode: StartRun[];
}

function timeToLine(cleanup: Cleanup, args: string[], match: (doc: Record<string, unknown>) => boolean, stop: boolean): Promise<StartRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(cleanup, 'start-to-ready child', child);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    let seen: { wallMs: number; readyMs: number | null } | null = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    onLines(child.stdout, (line) => {
      if (seen) return;
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (!match(doc)) return;
      seen = { wallMs: performance.now() - t0, readyMs: typeof doc.readyMs === 'number' ? doc.readyMs : null };
      if (stop) child.kill('SIGTERM');
    });
    child.once('error', reject);
    void waitExit(child, 15_000).then((exitCode) => {
      clearTimeout(timer);
      if (!seen) reject(new Error(`${args.join(' ')}: no ready line (exit ${exitCode}): ${stderr.slice(0, 2000)}`));
      else resolve({ ...seen, exitCode });
    });
  });
}

export async function startupBench(dir: string, credentialsFile: string, runs: number, cleanup: Cleanup): Promise<StartupResult> {
  const gateway: StartRun[] = [];
  const bareNode: StartRun[] = [];
  for (let i = 0; i < runs; i++) {
    const runDir = join(dir, `start-${i}`);
    mkdirSync(runDir, { recursive: true });
    const config = join(runDir, 'config.json');
    // Like config/default.json (simulated devices), on free ports with a fresh data dir.
    writeFileSync(
      config,
      JSON.stringify({
        vehicle: { id: 'VIM-BENCH', name: 'bench' },
        dataDir: join(runDir, 'data'),
        log: { level: 'info', pretty: 'never' },
        broker: { tcp: { host: '127.0.0.1', port: 0 }, ws: { host: '127.0.0.1', port: 0 }, credentialsFile },
        devices: {
          gnss: { port: 'sim://gnss', baud: 9600 },
          modem: { port: 'sim://modem', baud: 115200 },
          printers: [{ name: 'desk', port: 'sim://printer', codePage: 'CP857', widthChars: 48 }],
          display: { port: 'sim://display' },
          terminal: { port: 'sim://terminal' },
          gpio: { chipLabel: 'sim' },
        },
      }),
    );
    gateway.push(await timeToLine(cleanup, [MAIN, '--config', config], (d) => d.msg === 'gateway ready', true));
    bareNode.push(await timeToLine(cleanup, ['-e', 'console.log(JSON.stringify({ msg: "ready" }))'], (d) => d.msg === 'ready', false));
  }
  return { gateway, bareNode };
}
