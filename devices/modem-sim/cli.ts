// `node devices/modem-sim --pty /tmp/vim-modem [options]`: runs the modem simulator
// standalone on a pseudo-terminal (socat), so the gateway opens
// serial:///tmp/vim-modem exactly as it opens /dev/vim-modem in the van. Received SMS
// are printed as JSON lines on stdout. Runs until SIGINT/SIGTERM. A bad argument
// prints an error naming it and exits 64 (EX_USAGE).
import { ModemSim, SIM7600_STATE, type SimModemState } from './modem-sim.js';
import { hostModemOnPty } from './pty.js';

const USAGE = `usage: node devices/modem-sim --pty PATH [options]

  --pty PATH           where the modem appears (a driver opens serial://PATH)
  --model ec25|sim7600 the module: Quectel EC25 (default) or SIMCom SIM7600E-H
  --sim ready|absent|pin   SIM state at start (default ready)
  --reg N              27.007 <stat> once on the network: 1 home, 5 roaming, 2 searching, 3 denied (default 1)
  --csq N              27.007 +CSQ <rssi>, 0..31 or 99 (default 20)
  --operator NAME      operator long name (default "TR TURKCELL")
  --reenumerate-ms N   time off the bus after AT+CFUN=1,1 (default 1000)
  --help               this text`;

export { UsageError } from '../shared/cli.js';
import { parseSimArgs, runSimulatorCli, UsageError } from '../shared/cli.js';

function intArg(name: string, v: string | undefined, lo: number, hi: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d{1,6}$/.test(v) || Number(v) < lo || Number(v) > hi) throw new UsageError(`--${name}: must be an integer ${lo}..${hi}`);
  return Number(v);
}

export function parseCli(argv: string[]): { pty: string; state: Partial<SimModemState>; reenumerateMs: number } | null {
  const values = parseSimArgs(argv, {
        pty: { type: 'string' }, model: { type: 'string' }, sim: { type: 'string' }, reg: { type: 'string' }, csq: { type: 'string' },
        operator: { type: 'string' }, 'reenumerate-ms': { type: 'string' },
  });
  if (values === null) return null;
  const pty = values.pty;
  if (typeof pty !== 'string' || !pty.startsWith('/')) throw new UsageError('--pty: an absolute path is required, e.g. --pty /tmp/vim-modem');
  const model = (values.model as string | undefined) ?? 'ec25';
  if (model !== 'ec25' && model !== 'sim7600') throw new UsageError('--model: must be ec25 or sim7600');
  const sim = (values.sim as string | undefined) ?? 'ready';
  if (sim !== 'ready' && sim !== 'absent' && sim !== 'pin') throw new UsageError('--sim: must be ready, absent or pin');
  const csq = intArg('csq', values.csq as string | undefined, 0, 99, 20);
  if (csq > 31 && csq !== 99) throw new UsageError('--csq: must be 0..31 or 99');
  const operator = (values.operator as string | undefined) ?? 'TR TURKCELL';
  if (!/^[\x20-\x21\x23-\x7e]{1,32}$/.test(operator)) throw new UsageError('--operator: 1-32 printable ASCII characters, no quotes');
  return {
    pty,
    state: { ...(model === 'sim7600' ? SIM7600_STATE : {}), sim, regStat: intArg('reg', values.reg as string | undefined, 0, 10, 1), csq, operator },
    reenumerateMs: intArg('reenumerate-ms', values['reenumerate-ms'] as string | undefined, 0, 60_000, 1000),
  };
}

async function start(cfg: NonNullable<ReturnType<typeof parseCli>>): Promise<() => Promise<void>> {
  const sim = new ModemSim({ state: cfg.state, reenumerateMs: cfg.reenumerateMs });
  sim.on('sms', (m) => console.log(JSON.stringify({ sms: { number: m.number, text: m.text, encoding: m.encoding, ref: m.ref } })));
  sim.on('unplugged', ({ replugInMs }) => console.error(`modem-sim: re-enumerating, back in ${replugInMs} ms`));
  const host = await hostModemOnPty(cfg.pty, sim, (e) => console.error(`modem-sim: could not come back: ${e.message}`));
  console.error(`modem-sim: ${sim.state.manufacturer} ${sim.state.model} on ${cfg.pty} (open serial://${cfg.pty}?baud=115200)`);
  return async () => {
    sim.dispose();
    await host.stop();
  };
}

// Only when run as the simulator (node devices/modem-sim), not when a test imports parseCli.
if (process.argv[1] && /modem-sim(\/index\.js|\/cli\.js)?$/.test(process.argv[1])) await runSimulatorCli('modem-sim', USAGE, parseCli, start);
