// What the payments service needs from outside, as ports (DESIGN.md "Layout"). The card
// terminal is the driver's own PaymentTerminal port (drivers/terminal/payment-terminal.ts,
// no ZVT in it); the rest are small shapes the gateway fills from its parts and tests
// fill in memory.
import type { PrintDocument } from '../../drivers/printer/render.js';

export type { PaymentTerminal } from '../../drivers/terminal/payment-terminal.js';

export interface ReceiptPrinterStatus {
  printer: string;
  /** The printer can print now (connected, paper, cover closed). */
  ready: boolean;
  state: string;
  pendingJobs: number;
}

/** The receipt printer. A job is durable once `print` resolves and prints when the printer can. */
export interface ReceiptPrinterPort {
  status(): ReceiptPrinterStatus;
  print(doc: PrintDocument): Promise<void>;
}

/** The stop the van is at (the visits service); null between stops. */
export interface VisitPort {
  current(): { visitId: string; stopId: string | null; name: string } | null;
}

/** Who may void, refund and review: staff users with `"supervisor": true` in the broker's users file. */
export interface SupervisorPort {
  isSupervisor(username: string): boolean;
}

/** One step of an operation, for vim/event/payments/progress. */
export interface PaymentProgress {
  /** `terminal`: the terminal's own intermediate status (ZVT 04 FF); `settling`: asking it what happened. */
  stage: 'started' | 'terminal' | 'settling';
  code: number | null;
  text: string;
  at: string;
}
