// `node devices/terminal-sim --tcp 20007` or `--pty /tmp/vim-terminal`: the ZVT
// terminal simulator standalone. Commands received and ledger bookings are
// printed as JSON lines on stdout. Runs until SIGINT/SIGTERM. A bad argument
// prints an error naming it and exits 64 (EX_USAGE).
import { hostOnPty } from '../shared/pty-host.js';
import { hostOnTcp } from './tcp-host.js';
import { TerminalSim, type SimMode } from './terminal-sim.js';

const MODES: SimMode[] = ['approve', 'decline', 'silent', 'stall', 'endless', 'await-card', 'drop-after-authorize', 'malformed'];

const USAGE = `usage: node devices/terminal-sim (--tcp PORT | --pty PATH) [options]

  --tcp PORT          listen on 127.0.0.1:PORT (ZVT default 20007); the gateway opens tcp://127.0.0.1:PORT
  --host ADDR         listen address for --tcp (default 127.0.0.1)
  --pty PATH          appear as a serial port at PATH (serial framing); the gateway opens serial://PATH
  --mode MODE         ${MODES.join(' | ')} (default approve)
  --decline-code HEX  result code for --mode decline, e.g. 05 (default 05)
  --delay-ms N        pause between the terminal's steps (default 300)
  --password DIGITS   the terminal's 6-digit ZVT password (default 000000)
  --help              this text`;

export { UsageError } from '../shared/cli.js';
import { parseSimArgs, runSimulatorCli, UsageError } from '../shared/cli.js';

export interface CliConfig {
  tcp: number | null;
  host: string;
  pty: string | null;
  mode: SimMode;
  declineCode: number;
  delayMs: number;
  password: string;
}

export function parseCli(argv: string[]): CliConfig | null {
  const values = parseSimArgs(argv, {
        tcp: { type: 'string' }, host: { type: 'string' }, pty: { type: 'string' }, mode: { type: 'string' },
        'decline-code': { type: 'string' }, 'delay-ms': { type: 'string' }, password: { type: 'string' },
  });
  if (values === null) return null;
  const s = (k: string): string | undefined => values[k] as string | undefined;
  const tcpArg = s('tcp');
  const pty = s('pty') ?? null;
  if ((tcpArg === undefined) === (pty === null)) throw new UsageError('give exactly one of --tcp PORT or --pty PATH');
  const tcp = tcpArg === undefined ? null : Number(tcpArg);
  if (tcp !== null && (!/^\d{1,5}$/.test(tcpArg!) || tcp < 1 || tcp > 65535)) throw new UsageError('--tcp: must be a port 1-65535');
  if (pty !== null && !pty.startsWith('/')) throw new UsageError('--pty: an absolute path is required, e.g. --pty /tmp/vim-terminal');
  const mode = (s('mode') ?? 'approve') as SimMode;
  if (!MODES.includes(mode)) throw new UsageError(`--mode: must be one of ${MODES.join(', ')}`);
  const dc = s('decline-code') ?? '05';
  if (!/^[0-9a-fA-F]{2}$/.test(dc) || dc === '00') throw new UsageError('--decline-code: two hex digits, not 00');
  const delay = s('delay-ms') ?? '300';
  if (!/^\d{1,6}$/.test(delay)) throw new UsageError('--delay-ms: a whole number of milliseconds');
  const password = s('password') ?? '000000';
  if (!/^\d{6}$/.test(password)) throw new UsageError('--password: exactly 6 digits');
  return { tcp, host: s('host') ?? '127.0.0.1', pty, mode, declineCode: parseInt(dc, 16), delayMs: Number(delay), password };
}

async function start(cfg: NonNullable<ReturnType<typeof parseCli>>): Promise<() => Promise<void>> {
  const sim = new TerminalSim({ password: cfg.password, behaviour: { mode: cfg.mode, declineCode: cfg.declineCode, delayMs: cfg.delayMs } });
  sim.on('command', (c) => console.log(JSON.stringify({ command: c })));
  let booked = 0;
  sim.on('command', () => {
    for (const e of sim.ledger.entries.slice(booked)) console.log(JSON.stringify({ ledger: e }));
    booked = sim.ledger.entries.length;
  });
  let stop: () => Promise<void>;
  if (cfg.tcp !== null) {
    const h = await hostOnTcp(sim, cfg.tcp, cfg.host);
    stop = () => h.stop();
    console.error(`terminal-sim: ZVT terminal on tcp://${cfg.host}:${h.port} (mode ${cfg.mode})`);
    console.log(JSON.stringify({ listening: h.port }));
  } else {
    const h = await hostOnPty(cfg.pty!, sim, { framing: 'serial' });
    stop = () => h.stop();
    console.error(`terminal-sim: ZVT terminal on ${cfg.pty} (open serial://${cfg.pty}?baud=9600, serial framing; mode ${cfg.mode})`);
  }
  return async () => {
    sim.dispose();
    await stop();
  };
}

if (process.argv[1] && /terminal-sim(\/index\.js|\/cli\.js)?$/.test(process.argv[1])) await runSimulatorCli('terminal-sim', USAGE, parseCli, start);
