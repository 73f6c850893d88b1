// The AT engine's public types: the byte stream it sits on, what a command may
// say about its answer, and the three ways a command fails (an error result, no
// final result in time, the port closed under it).
import type { AtErrorKind } from './at-codes.js';

/** The part of Transport the engine needs (Transport satisfies it). */
export interface ByteStream {
  write(data: Buffer | string): Promise<void>;
  on(event: 'data', listener: (d: Buffer) => void): unknown;
  off(event: 'data', listener: (d: Buffer) => void): unknown;
}

export interface Urc {
  /** "+CREG", "RDY", "+QIND", ... */
  name: string;
  line: string;
  /** The data line of two-line URCs (+CMT, +CDS, +CBM; 27.005 §3.4.1). */
  body?: string;
  /** Date.now() when it arrived. */
  at: number;
}

export interface AtCommandOptions {
  /** Expected information-line prefix(es), e.g. '+CSQ:'. '' means bare lines (AT+CGSN). Default: '+NAME:' of an AT+NAME command, else bare. */
  prefix?: string | readonly string[];
  /** Extra test for lines that match a prefix; a line it refuses is routed as a URC. */
  accept?: (line: string) => boolean;
  timeoutMs?: number;
  /** Sent after the "> " prompt and ended with Ctrl-Z (27.005 §3.5.1 +CMGS). */
  body?: string;
}

export interface AtResponse {
  command: string;
  lines: string[];
}

export class AtError extends Error {
  constructor(
    readonly command: string,
    readonly kind: AtErrorKind,
    readonly code: number | null,
    readonly text: string | null,
    summary: string,
  ) {
    super(`${command}: ${summary}`);
    this.name = 'AtError';
  }
}

export class AtTimeoutError extends Error {
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`${command}: no final result within ${timeoutMs} ms`);
    this.name = 'AtTimeoutError';
  }
}

export class AtAbortedError extends Error {
  constructor(command: string, why: string) {
    super(`${command}: aborted (${why})`);
    this.name = 'AtAbortedError';
  }
}
