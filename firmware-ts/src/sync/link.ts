// Link awareness (issue 8 "Push"): the push only tries while a path to HQ is
// plausible, so the van does not burn modem power and metered data on connects that
// cannot work in a dead zone. "Plausible" is: the modem is registered (home or
// roaming), or a Wi-Fi interface is up (at the depot), or the HQ broker is on this
// machine (the simulated bench). Whether HQ really answers is the connect's business.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isRegistered, type RegState } from '../drivers/modem/status.js';

export interface LinkStatus {
  up: boolean;
  /** What the verdict rests on, e.g. "modem registered (home)", "wlan0 up", "loopback broker". */
  via: string;
}

export interface LinkPort {
  check(): LinkStatus;
}

export interface LinkSources {
  /** The modem's registration; null when there is no modem or it has not been read. */
  modemRegistration(): RegState | null;
  /** The kernel's operstate of a network interface ("up", "down", ...); null when it does not exist. */
  interfaceState?: (name: string) => string | null;
}

export function sysfsInterfaceState(name: string): string | null {
  try {
    return readFileSync(`/sys/class/net/${name}/operstate`, 'utf8').trim();
  } catch {
    return null;
  }
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

export class DeviceLink implements LinkPort {
  constructor(
    private readonly brokerHost: string,
    private readonly wifiInterfaces: readonly string[],
    private readonly sources: LinkSources,
    private readonly mode: 'auto' | 'never' = 'auto',
  ) {}

  check(): LinkStatus {
    if (this.mode === 'never') return { up: true, via: 'link checks off (requireLink: never)' };
    if (isLoopbackHost(this.brokerHost)) return { up: true, via: 'loopback broker' };
    const reg = this.sources.modemRegistration();
    if (isRegistered(reg)) return { up: true, via: `modem registered (${reg})` };
    const state = this.sources.interfaceState ?? sysfsInterfaceState;
    for (const name of this.wifiInterfaces) {
      if (state(name) === 'up') return { up: true, via: `${name} up` };
    }
    const wifi = this.wifiInterfaces.length ? `, ${this.wifiInterfaces.join('/')} not up` : '';
    return { up: false, via: `modem ${reg ?? 'absent'}${wifi}` };
  }
}
