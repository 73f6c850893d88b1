// What every simulator's command line shares: a bad argument prints the reason and
// the usage and exits 64 (EX_USAGE), --help prints the usage, and SIGINT/SIGTERM
// stop the simulator (its pty or socket goes away, like an unplug) and exit 0.
import { parseArgs } from 'node:util';

/** A bad command-line argument; the message names it. */
export class UsageError extends Error {}

export async function runSimulatorCli<C>(
  name: string,
  usage: string,
  parse: (argv: string[]) => C | null,
  start: (cfg: C) => Promise<() => Promise<void>>,
): Promise<void> {
  let cfg: C | null;
  try {
    cfg = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`${name}: ${(e as Error).message}\n\n${usage}`);
    process.exit(64);
  }
  if (!cfg) {
    console.log(usage);
    return;
  }
  const stop = await start(cfg);
  const quit = (): void => void stop().then(() => process.exit(0));
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

/** node:util parseArgs, strict, with --help; a bad argument becomes a UsageError. Null means --help. */
export function parseSimArgs(argv: string[], options: OptionSpec): Record<string, string | boolean | undefined> | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { ...options, help: { type: 'boolean' } } }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return values.help ? null : values;
}
