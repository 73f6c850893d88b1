// The printer driver's configuration (one entry of devices.printers[]), as a TypeBox
// schema with a description and default on every field, plus its dependencies and
// timings. config/schema.ts imports PrinterConfigSchema when the schemas are merged.
import { Type, type Static } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { OneOf, Strict } from '../../schema/types.js';
import type { BackoffOptions } from '../../transport/backoff.js';
import type { SimRegistry } from '../../transport/sim-link.js';
import type { PrintJobStore } from './jobs.js';
import type { PrinterStatus } from './status.js';

export const PrinterConfigSchema = Strict({
  name: Type.String({
    pattern: '^[a-z0-9-]{1,32}$',
    default: 'receipt',
    description: 'Printer name: jobs, health and vim/state/device/<name> use it',
  }),
  enabled: Type.Boolean({ default: true, description: 'A disabled printer is not opened; its jobs wait in the journal' }),
  port: Type.String({
    pattern: '^(serial|tcp|file|sim)://.+',
    default: 'sim://printer',
    description: 'tcp://host:9100 (network), file:///dev/vim-printer (USB via the udev name; add ?read=1 if it answers status requests), or sim://printer',
  }),
  type: OneOf(['epson', 'star'] as const, { default: 'epson', description: 'Command set (node-thermal-printer type): epson = ESC/POS, star = Star Line Mode' }),
  codePage: OneOf(['CP857', 'CP1254'] as const, { default: 'CP857', description: 'Code page for Turkish text' }),
  codePageTable: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 255,
      description: 'The n of ESC t n selecting codePage on this model (default: Epson CP857 13, CP1254 48; Star CP857 12); clones number their tables differently',
    }),
  ),
  widthChars: OneOf([42, 48] as const, { default: 48, description: 'Characters per line in font A: 48 on 80 mm paper, 42 on narrower heads' }),
  statusPollS: Type.Number({ default: 5, minimum: 0.05, maximum: 3600, description: 'Seconds between status polls (DLE EOT; ESC ACK SOH on a Star), where the printer answers' }),
  statusTimeoutMs: Type.Integer({ default: 1000, minimum: 10, maximum: 30_000, description: 'Wait for one status answer (a DLE EOT byte, or a whole Star ASB) before the status counts as unknown (a partial ASB as garbage)' }),
});

export type PrinterConfig = Static<typeof PrinterConfigSchema>;

export interface PrinterDriverDeps {
  log: Logger;
  jobs: PrintJobStore;
  sims?: SimRegistry;
  backoff?: BackoffOptions;
  /** Called on every status change (the caller maps it to vim/state/device/<name>). */
  onStatus?: (status: PrinterStatus) => void;
  /** Called when a job's bytes were written and it was marked done. */
  onPrinted?: (jobId: string) => void;
}

export class PrinterUnavailableError extends Error {
  constructor(why: string) {
    super(`printer not available: ${why}`);
    this.name = 'PrinterUnavailableError';
  }
}
