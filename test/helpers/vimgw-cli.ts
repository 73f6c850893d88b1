// Runs the built `vimgw` (dist/) as a crew would, resolving with the exit code,
// stdout and stderr whatever the code is. Build first: it runs dist.
import { execFile } from 'node:child_process';

export const CLI = 'dist/firmware-ts/src/cli/vimgw.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function vimgw(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; uid?: number; gid?: number } = {}): Promise<CliRun> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, NO_COLOR: '1', ...opts.env }, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.gid }) },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout, stderr, ms: performance.now() - t0 });
      },
    );
  });
}
