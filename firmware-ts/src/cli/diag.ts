// `vimgw diag [--json]`: everything behind the status screen plus the facts a crew
// would otherwise collect by hand: OS, kernel, Pi model, memory, disks and the SD
// card, network interfaces, Wi-Fi clients, uptime. System facts come from
// systeminformation on this machine, so they are there even when the daemon is not.
import { readFileSync } from 'node:fs';
import type { StatusModel } from '../control/model.js';
import { DaemonUnreachable } from './control-client.js';
import type { CliContext } from './context.js';
import { color, EXIT, HEALTH_EXIT, printJson } from './output.js';
import { fetchStatus, renderStatus } from './status.js';
import { bytes, duration, table } from './table.js';

export interface DiagFacts {
  os: { distro: string; release: string; kernel: string; arch: string; hostname: string } | null;
  model: string | null;
  memory: { totalBytes: number; availableBytes: number; swapUsedBytes: number } | null;
  filesystems: { fs: string; mount: string; type: string; sizeBytes: number; usedBytes: number; availableBytes: number; usePct: number; sdCard: boolean }[];
  network: { iface: string; state: string; ip4: string; mac: string; type: string }[];
  wifiClients: { iface: string; ip: string; mac: string }[];
  uptimeS: number | null;
}

/** One systeminformation call, bounded: a hung tool must not hang the diagnosis. */
async function bounded<T>(p: Promise<T>, ms = 8000): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
  try {
    return await Promise.race([p.catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The Pi's own name for itself (device tree), which systeminformation may lack in a container. */
function deviceTreeModel(): string | null {
  try {
    return readFileSync('/proc/device-tree/model', 'utf8').replace(/\0/g, '').trim() || null;
  } catch {
    return null;
  }
}

/** Clients of the van's hotspot: complete ARP entries on wireless interfaces. */
export function arpClients(wifi: Set<string>, text?: string): DiagFacts['wifiClients'] {
  let arp = text;
  try {
    arp ??= readFileSync('/proc/net/arp', 'utf8');
  } catch {
    return [];
  }
  return arp
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 6 && f[2] === '0x2' && wifi.has(f[5] ?? ''))
    .map((f) => ({ iface: f[5]!, ip: f[0]!, mac: f[3]! }));
}

export async function diagFacts(): Promise<DiagFacts> {
  const si = await import('systeminformation');
  const [os, sys, mem, fsSize, net, time] = await Promise.all([
    bounded(si.osInfo()),
    bounded(si.system()),
    bounded(si.mem()),
    bounded(si.fsSize()),
    bounded(si.networkInterfaces()),
    Promise.resolve(si.time()),
  ]);
  const nets = Array.isArray(net) ? net : net ? [net] : [];
  const wifi = new Set(nets.filter((n) => n.type === 'wireless' || /^wl/.test(n.iface)).map((n) => n.iface));
  return {
    os: os && { distro: os.distro, release: os.release, kernel: os.kernel, arch: os.arch, hostname: os.hostname },
    model: deviceTreeModel() ?? (sys ? [sys.manufacturer, sys.model].filter(Boolean).join(' ') || null : null),
    memory: mem && { totalBytes: mem.total, availableBytes: mem.available, swapUsedBytes: mem.swapused },
    filesystems: (fsSize ?? []).map((f) => ({ fs: f.fs, mount: f.mount, type: f.type, sizeBytes: f.size, usedBytes: f.used, availableBytes: f.available, usePct: f.use, sdCard: f.fs.includes('mmcblk') })),
    network: nets.map((n) => ({ iface: n.iface, state: n.operstate, ip4: n.ip4, mac: n.mac, type: n.type })),
    wifiClients: arpClients(wifi),
    uptimeS: typeof time.uptime === 'number' ? time.uptime : Number(time.uptime) || null,
  };
}

export function renderFacts(f: DiagFacts): string {
  const lines = [
    ['model', f.model ?? 'unknown'],
    ['os', f.os ? `${f.os.distro} ${f.os.release}, kernel ${f.os.kernel} (${f.os.arch}), host ${f.os.hostname}` : 'unknown'],
    ['uptime', f.uptimeS === null ? '-' : duration(f.uptimeS)],
    ['memory', f.memory ? `${bytes(f.memory.availableBytes)} available of ${bytes(f.memory.totalBytes)}, swap used ${bytes(f.memory.swapUsedBytes)}` : 'unknown'],
    ['wifi clients', f.wifiClients.length === 0 ? 'none seen' : f.wifiClients.map((c) => `${c.ip} (${c.iface})`).join(', ')],
  ];
  const fs = table(
    f.filesystems.map((x) => [x.mount, x.fs + (x.sdCard ? ' (SD card)' : ''), x.type, `${x.usePct.toFixed(1)}%`, bytes(x.availableBytes)]),
    ['MOUNT', 'DEVICE', 'TYPE', 'USED', 'FREE'],
  );
  const net = table(f.network.map((n) => [n.iface, n.state, n.ip4 || '-', n.mac || '-', n.type]), ['IFACE', 'STATE', 'IPV4', 'MAC', 'TYPE']);
  return `${table(lines.map(([k, v]) => [color.bold(k ?? ''), v ?? '']))}\n${fs}\n${net}`;
}

export async function diagCommand(ctx: CliContext): Promise<number> {
  let status: StatusModel | null = null;
  let unreachable: string | null = null;
  const factsP = diagFacts();
  try {
    status = await fetchStatus(ctx);
  } catch (e) {
    if (!(e instanceof DaemonUnreachable)) throw e;
    unreachable = e.message;
  }
  const facts = await factsP;
  if (ctx.values.json) printJson({ status, daemon: unreachable ?? 'reachable', system: facts });
  else {
    process.stdout.write(status ? renderStatus(status) : `${color.red('daemon unreachable')}: ${unreachable}\n`);
    process.stdout.write(`\n${renderFacts(facts)}`);
  }
  return status ? HEALTH_EXIT[status.state] : EXIT.unreachable;
}
