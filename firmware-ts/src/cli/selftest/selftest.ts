// `vimgw selftest [--offline]`: probes every configured device directly, for when
// the daemon is down (or, with --offline, whatever it is doing). First: can this
// user open the device at all (access.ts gives the reason in words); then the
// device's own driver asks it one question (probes.ts). Pass/warn/fail per device;
// exit 0 all pass, 1 some warn, 2 some fail.
import { pino } from 'pino';
import { loadConfig } from '../../config/load.js';
import { buildDevices } from '../../device-parts.js';
import { MemoryPrintJobStore } from '../../drivers/printer/jobs.js';
import { parseTransportUri } from '../../transport/uri.js';
import type { Config } from '../../config/schema.js';
import { configFile, ControlClient } from '../control-client.js';
import { quickSocketPath, type CliContext } from '../context.js';
import { color, EXIT, printJson, UsageError } from '../output.js';
import { table } from '../table.js';
import { accessReason } from './access.js';
import { probesFor, type ProbeResult, type Verdict } from './probes.js';

const VERDICT_EXIT: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2 };
const WORD: Record<Verdict, (s: string) => string> = { pass: color.green, warn: color.yellow, fail: color.red };

/** The port a device's config names, for the access check and the report. */
function portsOf(cfg: Config): Map<string, string> {
  const d = cfg.devices;
  const m = new Map<string, string>();
  if (d.gnss?.enabled) m.set('gnss', d.gnss.port);
  if (d.modem?.enabled) m.set('modem', d.modem.port);
  for (const p of d.printers) if (p.enabled) m.set(p.name, p.port);
  if (d.display?.enabled) m.set('display', d.display.port);
  if (d.terminal?.enabled) m.set('terminal', d.terminal.port);
  if (d.gpio?.enabled) m.set('gpio', d.gpio.backend === 'sim' ? 'sim://gpio' : `${d.gpio.backend}:${d.gpio.sysfsRoot} (${d.gpio.chipLabel})`);
  return m;
}

async function daemonAnswers(ctx: CliContext): Promise<string | null> {
  const socket = quickSocketPath(ctx.values);
  try {
    await new ControlClient(socket, 1500).call('GET', '/v1/devices');
    return socket;
  } catch {
    return null;
  }
}

async function probeAll(cfg: Config, onDone: (r: ProbeResult) => void): Promise<ProbeResult[]> {
  const silent = pino({ level: 'silent' });
  const devices = buildDevices(cfg.devices, silent, {
    gnss: { publish: () => undefined, trackPoint: () => undefined, clockAgrees: () => undefined },
    modemState: () => undefined,
    printJobs: new MemoryPrintJobStore(),
    shutdown: () => undefined,
  });
  const ports = portsOf(cfg);
  // In parallel: the GNSS window alone is 5 s, and the crew is waiting on a slow link.
  return Promise.all(
    probesFor(devices).map(async (p): Promise<ProbeResult> => {
      const port = ports.get(p.name) ?? '-';
      const t0 = Date.now();
      const finish = (verdict: Verdict, detail: string): ProbeResult => {
        const r = { device: p.name, kind: p.kind, port, verdict, detail, ms: Date.now() - t0 };
        onDone(r);
        return r;
      };
      if (p.kind !== 'gpio') {
        const denied = await accessReason(parseTransportUri(port));
        if (denied) return finish('fail', denied);
      }
      try {
        await p.part.start();
        const o = await p.run();
        return finish(o.verdict, o.detail);
      } catch (e) {
        return finish('fail', (e as Error).message);
      } finally {
        await p.part.stop().catch(() => undefined);
      }
    }),
  );
}

export async function selftestCommand(ctx: CliContext): Promise<number> {
  if (ctx.args.length > 0) throw new UsageError(`selftest: unexpected argument "${ctx.args[0]}"`);
  const file = configFile(ctx.values.config);
  const loaded = loadConfig(file);
  if (!loaded.ok) {
    process.stderr.write(`config ${loaded.file ?? '(defaults)'} is invalid: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}\n`);
    return EXIT.config;
  }
  if (!ctx.values.offline) {
    const live = await daemonAnswers(ctx);
    if (live) {
      process.stderr.write(
        `the gateway is running (its control socket ${live} answers) and holds the device ports.\n` +
          `use "vimgw status" for its view, stop it first (sudo systemctl stop vim-gateway), or pass --offline to probe anyway.\n`,
      );
      return EXIT.usage;
    }
  }
  const live = !ctx.values.json && process.stdout.isTTY === true;
  if (live) process.stdout.write(`probing the devices in ${loaded.file ?? '(built-in defaults)'} ...\n`);
  const results = await probeAll(loaded.config, (r) => {
    if (live) process.stdout.write(`  ${r.device}: ${WORD[r.verdict](r.verdict)}\n`);
  });
  const worst = results.reduce((w, r) => Math.max(w, VERDICT_EXIT[r.verdict]), 0);
  if (ctx.values.json) printJson({ config: loaded.file, results });
  else if (results.length === 0) process.stdout.write('no devices configured\n');
  else process.stdout.write(table(results.map((r) => [r.device, r.kind, WORD[r.verdict](r.verdict.toUpperCase()), r.port, r.detail]), ['DEVICE', 'KIND', 'RESULT', 'PORT', 'DETAIL']));
  return worst;
}
