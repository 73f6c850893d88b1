// `npm run day`: plays the full compressed day (about 5 minutes) and prints its summary.
// DAY_SCALE=0.4 plays the short CI variant; --keep keeps the files. Exit 0 when every
// check passed, 1 when one failed, 2 when the day itself could not be played.
import { join, resolve } from 'node:path';

const scale = Number(process.env.DAY_SCALE ?? '1');
const log = (m: string) => process.stderr.write(`day: ${m}\n`);
// The gateway helper finds main.js relative to its own source; from dist/ it must be told.
process.env.VIM_TEST_GATEWAY_MAIN ??= join(resolve(import.meta.dirname, '..', '..'), 'firmware-ts', 'src', 'main.js');

async function main(): Promise<number> {
  const { runDay } = await import('./day.js');
  const { summary } = await import('./report.js');
  const r = await runDay({ scale, log, keepFiles: process.argv.includes('--keep') });
  process.stdout.write(`${summary(r)}\n`);
  const ok = r.checks.every((c) => c.ok);
  if (!ok) process.stderr.write(`day: files kept in ${r.dir}\n--- gateway output (tail) ---\n${r.gatewayTail}\n`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`the day could not be played: ${(e as Error).stack ?? String(e)}`);
    process.exit(2);
  },
);
