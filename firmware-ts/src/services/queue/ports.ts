// What the queue needs from the outside, as ports (DESIGN.md "Layout": services depend on
// ports, not on drivers). adapters/queue-ports.ts implements them with the store, the
// ticket printer, the LED board and GPIO; tests implement them in memory.
import type { PrintDocument } from '../../drivers/printer/render.js';
import type { QueueEvent } from './events.js';

/** The journal's queue events, oldest first. */
export interface QueueJournal {
  eventsSince(sinceMs: number): Iterable<QueueEvent>;
}

export interface TicketPrinterStatus {
  printer: string;
  /** The printer can print now (connected, paper, cover closed). */
  ready: boolean;
  state: string; // the driver's state word: ready, paper-out, cover-open, disconnected, ...
  pendingJobs: number;
}

/** The thermal printer tickets go to. A job is durable once `print` resolves and prints when the printer can. */
export interface TicketPrinterPort {
  status(): TicketPrinterStatus;
  print(doc: PrintDocument): Promise<void>;
}

/** The LED board: the picture it should show; never blocks (the driver catches up). */
export interface CallBoardPort {
  show(serving: { counter: string; ticket: string }[], scroll?: string): void;
}

/** GPIO as the queue uses it. */
export interface QueueSignalsPort {
  chime(): void;
  /** The kiosk's printer LED: true printer fine, false it cannot print. */
  printerLed(ok: boolean): void;
  /** Debounced kiosk button presses, by service letter; returns an unsubscribe. */
  onButton(listener: (letter: string) => void): () => void;
}

export type { QueueEvent };
