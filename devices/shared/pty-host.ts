// Runs an in-process simulator standalone, on a pseudo-terminal: socat makes a pty
// pair, the device side is linked at the path a driver opens (e.g. /tmp/vim-gnss),
// and the simulator speaks on the other end through the real serialport binding.
// This is how `node devices/gnss-sim --pty /tmp/vim-gnss` works, and how the
// integration tests put a simulator behind a real serial port.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { SimPort, Simulator } from '../../firmware-ts/src/transport/sim-link.js';

class PtySimPort extends EventEmitter implements SimPort {
  open = true;
  constructor(
    private readonly port: SerialPort,
    private readonly onUnplug: () => void,
  ) {
    super();
    port.on('data', (d: Buffer) => this.emit('data', d));
    port.on('close', () => {
      this.open = false;
      this.emit('close');
    });
  }
  write(data: Buffer | string): void {
    if (this.open) this.port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }
  unplug(): void {
    this.onUnplug();
  }
}

export interface PtyHost {
  /** The path a driver opens. */
  readonly path: string;
  /** Unplug: socat exits and the path vanishes. */
  stop(): Promise<void>;
}

export async function hostOnPty(path: string, sim: Simulator, params: Record<string, string> = {}): Promise<PtyHost> {
  const farPath = `${path}.sim`;
  const proc: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${path}`, `pty,raw,echo=0,link=${farPath}`], { stdio: 'ignore' });
  const spawnError = new Promise<never>((_, reject) => proc.once('error', (e) => reject(new Error(`socat could not start (install socat): ${e.message}`))));
  const ready = (async () => {
    for (let i = 0; i < 300; i++) {
      if (existsSync(path) && existsSync(farPath)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`socat did not create ${path} within 3 s`);
  })();
  await Promise.race([ready, spawnError]);
  const port = new SerialPort({ path: farPath, baudRate: 115200, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const stop = async (): Promise<void> => {
    if (port.isOpen) await new Promise<void>((r) => port.close(() => r()));
    if (proc.exitCode === null && proc.signalCode === null) {
      await new Promise<void>((r) => {
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
      });
    }
  };
  sim.attach(new PtySimPort(port, () => void stop()), params);
  return { path, stop };
}
