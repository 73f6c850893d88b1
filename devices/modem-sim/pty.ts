// The modem simulator on a pty, with USB re-enumeration: after AT+CFUN=1,1 or a
// power cycle the module leaves the bus (socat exits, the path vanishes) and comes
// back reenumerateMs later on the same path, as udev recreates /dev/vim-modem.
import { hostOnPty, type PtyHost } from '../shared/pty-host.js';
import type { ModemSim } from './modem-sim.js';

export interface ModemPtyHost {
  readonly path: string;
  /** Hosts so far: 1 + re-enumerations. */
  readonly generation: number;
  /** Unplug for good (no re-enumeration). */
  stop(): Promise<void>;
}

export async function hostModemOnPty(path: string, sim: ModemSim, onError: (e: Error) => void = () => undefined): Promise<ModemPtyHost> {
  let host: PtyHost = await hostOnPty(path, sim);
  let generation = 1;
  let stopped = false;
  let replug: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> = Promise.resolve();

  const rehost = async (old: PtyHost): Promise<void> => {
    await old.stop();
    if (stopped) return;
    try {
      host = await hostOnPty(path, sim);
      generation++;
    } catch (e) {
      onError(e as Error);
    }
  };
  const onUnplugged = ({ replugInMs }: { replugInMs: number }): void => {
    const old = host;
    if (replug) clearTimeout(replug);
    // The sim refuses attaches until the window is over; come back just after it.
    replug = setTimeout(() => {
      replug = null;
      inFlight = rehost(old);
    }, replugInMs + 20);
  };
  sim.on('unplugged', onUnplugged);
  return {
    path,
    get generation() {
      return generation;
    },
    async stop() {
      stopped = true;
      sim.off('unplugged', onUnplugged);
      if (replug) clearTimeout(replug);
      await inFlight;
      await host.stop();
    },
  };
}
