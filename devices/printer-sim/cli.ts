// `node devices/printer-sim --tcp 9100` or `--pty /tmp/vim-printer`: runs the printer
// simulator standalone. Every document (one per cut) is printed on stdout as a JSON
// line with its decoded text, QR and barcode payloads. Runs until SIGINT/SIGTERM.
// A bad argument prints an error naming it and exits 64 (EX_USAGE).
import { hostOnPty } from '../shared/pty-host.js';
import { PrinterSim, type Answers, type Paper } from './printer-sim.js';
import { hostOnTcp } from './tcp.js';

const USAGE = `usage: node devices/printer-sim (--tcp PORT | --pty PATH) [options]

  --tcp PORT           listen on 127.0.0.1:PORT (a network printer: tcp://127.0.0.1:PORT)
  --host ADDR          listen address for --tcp (default 127.0.0.1)
  --pty PATH           appear as a serial device at PATH (serial://PATH)
  --paper ok|near-end|out   paper sensor at start (default ok)
  --cover-open         start with the cover open
  --offline            start offline
  --answers status|silent|garbage   how DLE EOT (--star: ESC ACK SOH) is answered (default status)
  --star               a Star printer in Star Line Mode (type "star" in the gateway's config): no DLE EOT
                       answers; ESC ACK SOH gets the ASB (with the LAN Length field on --tcp)
  --help               this text`;

export { UsageError } from '../shared/cli.js';
import { parseSimArgs, runSimulatorCli, UsageError } from '../shared/cli.js';

export interface CliConfig {
  tcp: number | null;
  host: string;
  pty: string | null;
  paper: Paper;
  coverOpen: boolean;
  offline: boolean;
  answers: Answers;
  star: boolean;
}

export function parseCli(argv: string[]): CliConfig | null {
  const values = parseSimArgs(argv, {
        tcp: { type: 'string' }, host: { type: 'string' }, pty: { type: 'string' }, paper: { type: 'string' },
        'cover-open': { type: 'boolean' }, offline: { type: 'boolean' }, answers: { type: 'string' }, star: { type: 'boolean' },
  });
  if (values === null) return null;
  const tcpArg = values.tcp as string | undefined;
  const pty = (values.pty as string | undefined) ?? null;
  if ((tcpArg === undefined) === (pty === null)) throw new UsageError('give exactly one of --tcp PORT or --pty PATH');
  let tcp: number | null = null;
  if (tcpArg !== undefined) {
    if (!/^\d{1,5}$/.test(tcpArg) || Number(tcpArg) > 65535) throw new UsageError('--tcp: must be a port 0..65535');
    tcp = Number(tcpArg);
  }
  if (pty !== null && !pty.startsWith('/')) throw new UsageError('--pty: an absolute path is required, e.g. --pty /tmp/vim-printer');
  const paper = (values.paper as string | undefined) ?? 'ok';
  if (paper !== 'ok' && paper !== 'near-end' && paper !== 'out') throw new UsageError('--paper: must be ok, near-end or out');
  const answers = (values.answers as string | undefined) ?? 'status';
  if (answers !== 'status' && answers !== 'silent' && answers !== 'garbage') throw new UsageError('--answers: must be status, silent or garbage');
  return { tcp, host: (values.host as string | undefined) ?? '127.0.0.1', pty, paper, coverOpen: values['cover-open'] === true, offline: values.offline === true, answers, star: values.star === true };
}

async function start(cfg: NonNullable<ReturnType<typeof parseCli>>): Promise<() => Promise<void>> {
  const sim = new PrinterSim({ answers: cfg.answers, commandSet: cfg.star ? 'star' : 'escpos', starInterface: cfg.tcp !== null ? 'lan' : 'serial' });
  const kind = cfg.star ? 'Star Line Mode' : 'ESC/POS';
  sim.paper = cfg.paper;
  sim.coverOpen = cfg.coverOpen;
  sim.offline = cfg.offline;
  sim.on('document', (d) => console.log(JSON.stringify({ document: { text: d.text, qr: d.qr, barcodes: d.barcodes, cut: d.cut } })));
  let stop: () => Promise<void>;
  if (cfg.tcp !== null) {
    const host = await hostOnTcp(sim, cfg.tcp, cfg.host);
    console.error(`printer-sim: ${kind} printer on ${cfg.host}:${host.port} (open tcp://${cfg.host}:${host.port})`);
    stop = () => host.stop();
  } else {
    const host = await hostOnPty(cfg.pty!, sim);
    console.error(`printer-sim: ${kind} printer on ${cfg.pty} (open serial://${cfg.pty})`);
    stop = () => host.stop();
  }
  return stop;
}

await runSimulatorCli('printer-sim', USAGE, parseCli, start);
