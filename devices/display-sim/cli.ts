// `node devices/display-sim --pty /tmp/vim-display [options]`: the LED board
// simulator standalone on a pseudo-terminal (socat), so the gateway opens
// serial:///tmp/vim-display exactly as it opens /dev/vim-display in the van. Every
// change of the picture is printed on stdout as a JSON line {"rows":[...],"scroll"};
// every frame on stderr. Runs until SIGINT/SIGTERM; a bad argument exits 64 (EX_USAGE).
import { parseArgs } from 'node:util';
import { hostOnPty } from '../shared/pty-host.js';
import { DisplaySim, type BoardMode, type DisplaySimOptions } from './display-sim.js';

const USAGE = `usage: node devices/display-sim --pty PATH [options]

  --pty PATH        where the board appears (a driver opens serial://PATH)
  --address N       board address 1..99 (default 1)
  --rows N          now-serving rows 1..8 (default 4)
  --mode MODE       normal | nak | garbage | silent (default normal)
  --quiet           do not log frames on stderr
  --help            this text`;

export { UsageError } from '../shared/cli.js';
import { runSimulatorCli, UsageError } from '../shared/cli.js';

const MODES: readonly BoardMode[] = ['normal', 'nak', 'garbage', 'silent'];

export function parseCli(argv: string[]): { pty: string; opts: DisplaySimOptions; quiet: boolean } | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { pty: { type: 'string' }, address: { type: 'string' }, rows: { type: 'string' }, mode: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' } },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return null;
  const pty = values.pty;
  if (typeof pty !== 'string' || !pty.startsWith('/')) throw new UsageError('--pty: an absolute path is required, e.g. --pty /tmp/vim-display');
  const int = (name: string, lo: number, hi: number, dflt: number): number => {
    const v = values[name];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !/^\d{1,2}$/.test(v) || Number(v) < lo || Number(v) > hi) throw new UsageError(`--${name}: must be an integer ${lo}..${hi}`);
    return Number(v);
  };
  const mode = (values.mode ?? 'normal') as BoardMode;
  if (!MODES.includes(mode)) throw new UsageError(`--mode: must be one of ${MODES.join(', ')}`);
  return { pty, opts: { address: int('address', 1, 99, 1), rows: int('rows', 1, 8, 4), mode }, quiet: values.quiet === true };
}

async function start(cfg: NonNullable<ReturnType<typeof parseCli>>): Promise<() => Promise<void>> {
  const sim = new DisplaySim(cfg.opts);
  sim.on('shown', (s) => console.log(JSON.stringify(s)));
  if (!cfg.quiet) sim.on('frame', (f) => console.error(`display-sim: ${f.cmd} ${JSON.stringify(f.payload)} -> ${f.reply || '(no reply)'}`));
  const host = await hostOnPty(cfg.pty, sim);
  console.error(`display-sim: board ${cfg.opts.address} (${cfg.opts.mode}) on ${cfg.pty} (open serial://${cfg.pty}?baud=9600)`);
  return () => host.stop();
}

// Only run as a program, not when a test imports parseCli.
if (process.argv[1]?.includes('display-sim')) await runSimulatorCli('display-sim', USAGE, parseCli, start);
