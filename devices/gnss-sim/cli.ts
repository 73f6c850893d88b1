// `node devices/gnss-sim --pty /tmp/vim-gnss [options]`: runs the GNSS simulator
// standalone on a pseudo-terminal (socat), so the gateway opens serial:///tmp/vim-gnss
// exactly as it opens /dev/vim-gnss in the van. Runs until SIGINT/SIGTERM, then
// removes the pty. A bad argument prints an error naming it and exits 64 (EX_USAGE).
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hostOnPty, type PtyHost } from '../shared/pty-host.js';
import { GnssSimulator, type GnssSimulatorOptions } from './gnss-sim.js';
import { DEFAULT_NOISE_PROBABILITY, parseNoise, parseProbability } from './noise.js';
import { parseConstellations, parseDecimals, parseNmeaVersion, parseRate, parseSeconds, parseSeed, parseSpeedup } from './options.js';

const USAGE = `usage: node devices/gnss-sim --pty PATH [options]

  --pty PATH              where the receiver appears (a driver opens serial://PATH)
  --rate 1|10             epochs per second (default 1)
  --speedup N             simulated seconds per real second along the route (default 1)
  --start S               start S seconds along the route (default 0)
  --constellations LIST   GP,GL,GA,GB (default all; one system uses its own talker, several use GN)
  --nmea 2.3|4.10         NMEA version (default 4.10: GSA system id, GSV signal id, RMC nav status)
  --decimals 4|5|6        decimals of coordinate minutes (default 4: ddmm.mmmm)
  --noise LIST            corrupt sentences: checksum,glued,junk,truncated (each may be KIND:P)
  --noise-prob P          probability per sentence for each kind without its own (default ${DEFAULT_NOISE_PROBABILITY})
  --seed N                seed of the noise generator (default 1)
  --replay FILE           replay a recorded NMEA log instead of the route, then exit
  --replay-rate N         replay N lines per second (default: paced by the log's time stamps)
  --loop                  replay the log over and over
  --help                  this text`;

export class UsageError extends Error {}

export interface CliConfig {
  pty: string;
  sim: GnssSimulatorOptions;
  replay: string | null;
  replayRate: number | undefined;
  loop: boolean;
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UsageError(`--${(e as Error).message}`);
  }
}

/** Parses the command line; throws UsageError naming the bad argument. Returns null for --help. */
export function parseCli(argv: string[]): CliConfig | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        pty: { type: 'string' },
        rate: { type: 'string' },
        speedup: { type: 'string' },
        start: { type: 'string' },
        constellations: { type: 'string' },
        nmea: { type: 'string' },
        decimals: { type: 'string' },
        noise: { type: 'string' },
        'noise-prob': { type: 'string' },
        seed: { type: 'string' },
        replay: { type: 'string' },
        'replay-rate': { type: 'string' },
        loop: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return null;
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const pty = str('pty');
  if (!pty) throw new UsageError('--pty: required (the path a driver opens, e.g. /tmp/vim-gnss)');
  const path = resolve(pty);
  if (!existsSync(dirname(path))) throw new UsageError(`--pty: directory ${dirname(path)} does not exist`);
  if (existsSync(path)) throw new UsageError(`--pty: ${path} already exists (another simulator running?)`);
  const sim: GnssSimulatorOptions = {};
  const v = {
    rate: str('rate'),
    speedup: str('speedup'),
    start: str('start'),
    constellations: str('constellations'),
    nmea: str('nmea'),
    decimals: str('decimals'),
    seed: str('seed'),
    noise: str('noise'),
    noiseProb: str('noise-prob'),
  };
  if (v.rate !== undefined) sim.rate = wrap(() => parseRate(v.rate!));
  if (v.speedup !== undefined) sim.speedup = wrap(() => parseSpeedup(v.speedup!));
  if (v.start !== undefined) sim.startS = wrap(() => parseSeconds(v.start!, 'start'));
  if (v.constellations !== undefined) sim.constellations = wrap(() => parseConstellations(v.constellations!));
  if (v.nmea !== undefined) sim.nmea = wrap(() => parseNmeaVersion(v.nmea!));
  if (v.decimals !== undefined) sim.decimals = wrap(() => parseDecimals(v.decimals!));
  if (v.seed !== undefined) sim.seed = wrap(() => parseSeed(v.seed!));
  const p = v.noiseProb !== undefined ? wrap(() => parseProbability(v.noiseProb!, 'noise-prob')) : DEFAULT_NOISE_PROBABILITY;
  if (v.noise !== undefined) sim.noise = wrap(() => parseNoise(v.noise!, p));
  else if (v.noiseProb !== undefined) throw new UsageError('--noise-prob: given without --noise');
  const replay = str('replay') ?? null;
  if (replay !== null) {
    try {
      accessSync(replay, constants.R_OK);
    } catch (e) {
      throw new UsageError(`--replay: cannot read ${replay} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  let replayRate: number | undefined;
  if (str('replay-rate') !== undefined) {
    replayRate = Number(str('replay-rate'));
    if (!(replayRate > 0) || !Number.isFinite(replayRate)) throw new UsageError(`--replay-rate: must be > 0 lines per second (got "${str('replay-rate')}")`);
    if (replay === null) throw new UsageError('--replay-rate: given without --replay');
  }
  if (values.loop && replay === null) throw new UsageError('--loop: given without --replay');
  return { pty: path, sim, replay, replayRate, loop: values.loop === true };
}

function describe(c: CliConfig): string {
  const s = c.sim;
  const noise = s.noise && Object.keys(s.noise).length ? Object.entries(s.noise).map(([k, p]) => `${k}:${p}`).join(',') : 'none';
  if (c.replay) return `replaying ${c.replay} ${c.replayRate ? `at ${c.replayRate} lines/s` : 'paced by its time stamps'}${c.loop ? ', looping' : ''}`;
  return `NMEA ${s.nmea ?? '4.10'} at ${s.rate ?? 1} Hz, speedup ${s.speedup ?? 1}, ${(s.constellations ?? ['GP', 'GL', 'GA', 'GB']).join('+')}, noise ${noise}`;
}

export async function main(argv: string[]): Promise<number> {
  let cfg: CliConfig | null;
  try {
    cfg = parseCli(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`gnss-sim: ${e.message}\n(node devices/gnss-sim --help lists the options)`);
    return 64;
  }
  if (!cfg) {
    console.log(USAGE);
    return 0;
  }
  const sim = new GnssSimulator(cfg.sim);
  let host: PtyHost;
  try {
    host = await hostOnPty(cfg.pty, sim);
  } catch (e) {
    console.error(`gnss-sim: cannot open a pty at ${cfg.pty}: ${(e as Error).message}`);
    return 1;
  }
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let stopping = false;
  const done = new Promise<number>((resolveExit) => {
    const shutdown = (code: number, why: string) => {
      if (stopping) return;
      stopping = true;
      console.error(`gnss-sim: ${why}; stopping`);
      sim.stopReplay();
      host
        .stop()
        .catch(() => undefined)
        .finally(() => {
          sim.stop();
          clearInterval(keepAlive);
          resolveExit(code);
        });
    };
    process.once('SIGINT', () => shutdown(0, 'SIGINT'));
    process.once('SIGTERM', () => shutdown(0, 'SIGTERM'));
    sim.on('detach', () => shutdown(1, 'the pty closed (socat exited?)'));
    if (cfg.replay) {
      sim
        .replayFile(cfg.replay, { rate: cfg.replayRate, loop: cfg.loop })
        .then((r) => shutdown(0, `replay done: ${r.lines} lines`))
        .catch((e: Error) => shutdown(1, `replay failed: ${e.message}`));
    }
  });
  console.error(`gnss-sim: ${cfg.pty}: ${describe(cfg)}; SIGINT/SIGTERM stops`);
  return done;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`gnss-sim: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);
