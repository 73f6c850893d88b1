// `npm run soak [-- --minutes N] [--json [FILE]]`: runs the gateway for an hour (by
// default) at the van's load (scripts/soak-rig.ts: 10 tablets, GNSS at 10 Hz, modem
// polling, a ticket a minute, push sync to a real mosquitto) and measures what would
// wear it down over days: the RSS slope after warm-up (target < 1 MB/h), open file
// descriptors and event listeners (flat), the event-loop delay p99, the CPU share and
// the bytes written to disk per hour (an SD-card wear estimate, target < 20 MB/h).
// Prints a table (stderr when --json goes to stdout); exit 0 when every target is met,
// 1 when one is missed, 2 when the soak itself failed.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sampleOf, summarize, type Sample, type SoakSummary } from './soak-probe.js';
import type { SoakLoad, SoakLoadName, SoakStats } from './soak-rig.js';

// Compiled, this file is dist/scripts/soak.js: the gateway it runs is dist/firmware-ts/src/main.js,
// which the test helpers (imported below, after this is set) would otherwise look for in dist/dist.
const DIST = resolve(import.meta.dirname, '..');
process.env.VIM_TEST_GATEWAY_MAIN ??= join(DIST, 'firmware-ts', 'src', 'main.js');
const { SoakRig, SOAK_LOADS } = await import('./soak-rig.js');

interface Args {
  minutes: number;
  sampleS: number;
  warmupMinutes: number;
  json: string | null | false;
  /** Each sample as a JSON line, appended as it is taken, so a long run stopped early keeps its data. */
  samplesFile: string | null;
  keep: boolean;
  load: SoakLoadName;
  /** The load during the warm-up, before the measured one: `busy` brings the JIT and the caches to their steady state sooner. */
  warmupLoad: SoakLoadName | null;
}

const HELP = `usage: npm run soak -- [--load van|busy] [--warmup-load van|busy] [--minutes N] [--sample-s S] [--warmup-minutes W] [--json [FILE]] [--samples FILE] [--keep]
  --load van|busy      van: the issue's load, a ticket a minute and a command per tablet every 5 min (default);
                       busy: a command per tablet every 30 s, ten times the tablets' traffic
  --warmup-load L      the load during the warm-up (default: the measured load); busy runs the same
                       commands ten times as often, so V8's JIT and SQLite's page cache settle sooner
  --minutes N          how long to run (default 60)
  --sample-s S         seconds between samples (default 30)
  --warmup-minutes W   excluded from the slopes (default: 10 % of the run, at least 1, at most 10)
  --json [FILE]        the summary as JSON to FILE, or to stdout (the table then goes to stderr)
  --samples FILE       append each sample to FILE as a JSON line when it is taken (for runs of hours)
  --keep               keep the soak's directory (var-soak-*) for a look at the journal`;

function parseArgs(argv: string[]): Args {
  const a: Args = { minutes: 60, sampleS: 30, warmupMinutes: NaN, json: false, samplesFile: null, keep: false, load: 'van', warmupLoad: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${k} needs a positive number`);
      return v;
    };
    if (k === '--minutes') a.minutes = num();
    else if (k === '--sample-s') a.sampleS = num();
    else if (k === '--warmup-minutes') a.warmupMinutes = num();
    else if (k === '--keep') a.keep = true;
    else if (k === '--samples') {
      const v = argv[++i];
      if (!v || v.startsWith('--')) throw new Error('--samples needs a file name');
      a.samplesFile = v;
    }
    else if (k === '--load' || k === '--warmup-load') {
      const v = argv[++i];
      if (v !== 'van' && v !== 'busy') throw new Error(`${k} must be van or busy, not ${v ?? '(nothing)'}`);
      if (k === '--load') a.load = v;
      else a.warmupLoad = v;
    }
    else if (k === '--json') a.json = argv[i + 1] && !argv[i + 1]!.startsWith('--') ? argv[++i]! : null;
    else if (k === '--help' || k === '-h') {
      console.log(HELP);
      process.exit(0);
    } else throw new Error(`unknown argument ${k}\n${HELP}`);
  }
  if (Number.isNaN(a.warmupMinutes)) a.warmupMinutes = Math.min(10, Math.max(1, a.minutes / 10));
  if (a.warmupMinutes >= a.minutes) throw new Error('--warmup-minutes must be shorter than --minutes');
  return a;
}

export const TARGETS = { rssSlopeMBPerHour: 1, writeMBPerHour: 20 } as const;

interface Row {
  what: string;
  value: string;
  target: string;
  verdict: 'PASS' | 'FAIL' | '';
}

function rows(s: SoakSummary, stats: SoakStats, load: SoakLoad, name: SoakLoadName, warmupLoad: SoakLoadName | null): Row[] {
  const lat = [...stats.latenciesMs].sort((a, b) => a - b);
  const q = (p: number) => (lat.length ? Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!) : NaN);
  const flat = (r: { min: number; max: number; first: number; last: number }) => `${r.first} -> ${r.last} (min ${r.min}, max ${r.max})`;
  return [
    { what: 'run', value: `${s.minutes} min, warm-up ${s.warmupMinutes} min${warmupLoad ? ` at the ${warmupLoad} load` : ''}, ${s.samples} samples after it`, target: '', verdict: '' },
    { what: `load (${name})`, value: `${load.tablets} tablets, each a command every ${load.tabletEveryS} s; a ticket every ${load.ticketEveryS} s; GNSS ${load.gnssHz} Hz, modem polling, push sync`, target: '', verdict: '' },
    { what: 'commands answered ok', value: `${stats.ok} (refused ${JSON.stringify(stats.refused)}, retries ${stats.retries}, counter reopened after the day's rollover ${stats.counterReopened}); round trip p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`, target: '', verdict: '' },
    { what: 'RSS slope after warm-up', value: `${s.rssSlopeMBPerHour} MB/h (${s.rssStartMB} -> ${s.rssEndMB} MB; later half ${s.rssSlopeLaterHalfMBPerHour} MB/h; anonymous ${s.rssAnonSlopeMBPerHour ?? 'n/a'} MB/h; V8 heap ${s.heapSlopeMBPerHour} MB/h; after each of ${s.fullGcs} full GCs ${s.heapAfterGcSlopeMBPerHour ?? 'n/a'} MB/h; malloc arena ${s.mallocArenaSlopeMBPerHour ?? 'n/a'} MB/h)`, target: `< ${TARGETS.rssSlopeMBPerHour} MB/h`, verdict: s.rssSlopeMBPerHour < TARGETS.rssSlopeMBPerHour ? 'PASS' : 'FAIL' },
    { what: 'open file descriptors', value: flat(s.fdsAfterWarmup), target: 'flat', verdict: s.fdsAfterWarmup.last <= s.fdsAfterWarmup.first ? 'PASS' : 'FAIL' },
    { what: 'event listeners', value: flat(s.listenersAfterWarmup), target: 'flat', verdict: s.listenersAfterWarmup.last <= s.listenersAfterWarmup.first ? 'PASS' : 'FAIL' },
    { what: 'live resources (timers, sockets, ...)', value: flat(s.resourcesAfterWarmup), target: 'flat', verdict: '' },
    { what: 'event-loop delay p99 (per sample window)', value: `median ${s.loopDelayP99Ms.median} ms, worst ${s.loopDelayP99Ms.worst} ms; max ${s.loopDelayMaxMs} ms`, target: '', verdict: '' },
    { what: 'CPU share (of one core)', value: `${s.cpuSharePct} %`, target: '', verdict: '' },
    { what: 'written to disk', value: `${s.writeMBPerHour} MB/h`, target: `< ${TARGETS.writeMBPerHour} MB/h`, verdict: s.writeMBPerHour < TARGETS.writeMBPerHour ? 'PASS' : 'FAIL' },
  ];
}

function table(rs: Row[]): string {
  const w = [0, 1, 2].map((i) => Math.max(...rs.map((r) => [r.what, r.value, r.target][i]!.length)));
  return rs.map((r) => `${r.what.padEnd(w[0]!)}  ${r.value.padEnd(w[1]!)}  ${r.target.padEnd(w[2]!)}  ${r.verdict}`.trimEnd()).join('\n');
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const out = args.json === null ? console.error : console.log;
  // Under var/ (git-ignored) on the repository's disk: /tmp may be a tmpfs, whose writes never reach write_bytes.
  const load = SOAK_LOADS[args.load];
  const rig = new SoakRig(load, { parent: join(DIST, '..', 'var'), usersFile: join(DIST, '..', 'config', 'demo-users.json') });
  let failed = true;
  try {
    out(`soak: ${args.minutes} min at the ${args.load} load; files in ${rig.dir}`);
    await rig.start();
    const pid = rig.gw.pid!;
    // Only the tablets' pace differs between the loads (soak-rig.ts), so the warm-up load is that pace.
    const warmup = args.warmupLoad ? SOAK_LOADS[args.warmupLoad] : load;
    rig.setTabletEvery(warmup.tabletEveryS);
    const backToLoad = setTimeout(() => {
      if (rig.tabletPeriodS === load.tabletEveryS) return;
      rig.setTabletEvery(load.tabletEveryS);
      out(`soak: warm-up over, tablets back to a command every ${load.tabletEveryS} s`);
    }, args.warmupMinutes * 60_000);
    const t0 = performance.now();
    const samples: Sample[] = [];
    await rig.status(); // starts the event-loop histogram
    const endAt = t0 + args.minutes * 60_000;
    while (performance.now() < endAt) {
      await new Promise((r) => setTimeout(r, Math.min(args.sampleS * 1000, Math.max(0, endAt - performance.now()))));
      if (!rig.gw.running) throw new Error(`the gateway exited during the soak\n${rig.gw.tail(3000)}`);
      const st = await rig.status();
      samples.push(sampleOf(pid, (performance.now() - t0) / 1000, st.runtime));
      rig.trimOutput();
      const s = samples[samples.length - 1]!;
      if (args.samplesFile) appendFileSync(args.samplesFile, `${JSON.stringify(s)}\n`);
      if (samples.length % 10 === 0) out(`soak: ${Math.round(s.t / 60)} min, rss ${Math.round(s.rssBytes / 2 ** 20)} MB, fds ${s.fds}, listeners ${s.listeners}, ok ${rig.stats.ok}`);
    }
    clearTimeout(backToLoad);
    const summary = summarize(samples, args.warmupMinutes * 60);
    const rs = rows(summary, rig.stats, load, args.load, args.warmupLoad);
    out(table(rs));
    if (rig.stats.errors.length) out(`errors: ${rig.stats.errors.slice(0, 10).join('; ')}`);
    const doc = { load: { name: args.load, ...load }, warmupLoad: args.warmupLoad, summary, commands: { ok: rig.stats.ok, refused: rig.stats.refused, retries: rig.stats.retries }, errors: rig.stats.errors, samples, rows: rs };
    if (typeof args.json === 'string') writeFileSync(args.json, `${JSON.stringify(doc, null, 2)}\n`);
    else if (args.json === null) console.log(JSON.stringify(doc, null, 2));
    failed = false;
    return rs.some((r) => r.verdict === 'FAIL') || rig.stats.errors.length > 0 ? 1 : 0;
  } finally {
    await rig.stop(args.keep || failed);
    if (failed) console.error(`soak: files kept in ${rig.dir}`);
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`soak failed: ${(e as Error).stack ?? String(e)}`);
    process.exit(2);
  },
);
