// What every daemon command gets: the parsed shared options and a lazily made
// control client. Commands return their exit code; output conventions in output.ts.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ControlClient, configFile } from './control-client.js';
import { DEFAULT_CONTROL_SOCKET } from '../control/constants.js';
import { UsageError } from './output.js';

export interface CliValues {
  json: boolean;
  force: boolean;
  follow: boolean;
  offline: boolean;
  socket?: string | undefined;
  config?: string | undefined;
  timeout: string;
  part?: string | undefined;
  since?: string | undefined;
  lines?: string | undefined;
  text?: string | undefined;
  wait?: string | undefined;
}

export interface CliContext {
  values: CliValues;
  /** Positional words after the command (and sub-command, where it has one). */
  args: string[];
  client(): ControlClient;
}

/**
 * The socket path without validating the whole config: `vimgw status` must answer
 * fast, and compiling the config schema costs more than the status itself. The
 * daemon validated the file when it started.
 */
export function quickSocketPath(v: CliValues): string {
  if (v.socket) return v.socket;
  if (process.env.VIMGW_SOCKET) return process.env.VIMGW_SOCKET;
  const file = configFile(v.config);
  if (file) {
    try {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { control?: { socket?: unknown } };
      const s = doc.control?.socket;
      if (typeof s === 'string') return isAbsolute(s) ? s : resolve(dirname(resolve(file)), s);
      if (doc.control) return DEFAULT_CONTROL_SOCKET;
    } catch {
      /* unreadable or not JSON: the default, and the daemon's own answer tells more */
    }
  }
  return DEFAULT_CONTROL_SOCKET;
}

export function makeContext(values: CliValues, args: string[]): CliContext {
  let client: ControlClient | null = null;
  return {
    values,
    args,
    client: () => (client ??= new ControlClient(quickSocketPath(values), seconds(values.timeout, '--timeout') * 1000)),
  };
}

/** A positive number of seconds from an option. */
export function seconds(v: string, name: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${name}: must be a positive number of seconds`);
  return n;
}
