// `vimgw gnss watch`: follows the live fix the running gateway publishes on the
// retained `vim/state/gnss`, one line per update, until Ctrl-C (or --count N).
// It logs in to the local broker like any client (a maintenance user), so it sees
// exactly what tablets see. The password comes from $VIMGW_PASSWORD or a prompt.
import mqtt from 'mqtt';
import type { GnssPublished } from '../drivers/gnss/gnss-driver.js';
import { color, EXIT, UsageError } from './output.js';

export interface WatchArgs {
  url: string;
  user: string;
  password: string;
  count: number | null;
  json: boolean;
  timeoutS: number;
}

export function formatGnss(s: GnssPublished): string {
  const f = s.fix;
  const sats = Object.entries(s.satellites)
    .filter(([, v]) => v.inView > 0)
    .map(([k, v]) => `${k} ${v.used}/${v.inView}`)
    .join(' ');
  if (!f || s.stale || s.mode === 'none') {
    const last = s.last ? `last fix ${s.last.time ?? '?'} at ${s.last.lat?.toFixed(6)},${s.last.lon?.toFixed(6)}` : 'no fix yet';
    return `${s.at}  ${color.red('NO FIX')}  ${last}  sats ${sats || '-'}`;
  }
  const speed = f.speed === null ? '-' : `${(f.speed * 3.6).toFixed(1)} km/h`;
  const offset = s.clockOffsetMs === null ? '' : `  clock offset ${s.clockOffsetMs} ms`;
  return `${f.time ?? '?'}  ${color.green(f.mode.toUpperCase())}  ${f.lat?.toFixed(7)},${f.lon?.toFixed(7)}  alt ${f.altMSL ?? '-'} m  ${speed}  track ${f.track ?? '-'}  hdop ${f.hdop ?? '-'}  sats ${sats}${offset}`;
}

export function gnssWatch(a: WatchArgs): Promise<number> {
  if (a.count !== null && (!Number.isInteger(a.count) || a.count < 1)) throw new UsageError('--count: must be a positive integer');
  return new Promise((resolve) => {
    const clientId = `${a.user}@vimgw-${process.pid}`;
    const c = mqtt.connect(a.url, { username: a.user, password: a.password, clientId, reconnectPeriod: 0, connectTimeout: a.timeoutS * 1000, protocolVersion: 4 });
    let seen = 0;
    const finish = (code: number) => {
      clearTimeout(timer);
      c.end(true, {}, () => resolve(code));
    };
    const timer = setTimeout(() => {
      process.stderr.write(`no gnss state within ${a.timeoutS} s (is the gateway running with a GNSS receiver configured?)\n`);
      finish(EXIT.failed);
    }, a.timeoutS * 1000);
    c.on('error', (e) => {
      process.stderr.write(`cannot reach the gateway's broker at ${a.url}: ${e.message}\n`);
      finish(EXIT.failed);
    });
    c.on('connect', () => c.subscribe('vim/state/gnss', { qos: 0 }));
    c.on('message', (_t, buf) => {
      clearTimeout(timer);
      let s: GnssPublished;
      try {
        s = JSON.parse(buf.toString()) as GnssPublished;
      } catch {
        return;
      }
      process.stdout.write(`${a.json ? JSON.stringify(s) : formatGnss(s)}\n`);
      if (a.count !== null && ++seen >= a.count) finish(s.stale || s.mode === 'none' ? EXIT.degraded : EXIT.ok);
    });
  });
}
