// End of day (issue 7): the terminal closes its batch (ZVT 06 50, PA00P015 §2.16) and
// reports the batch total in its status information (§3.1.3); that total is reconciled
// with the journal's approved sales minus voids minus refunds of the same batch, and
// any difference, any failure and every operation still needing review is flagged.
// The result is journaled (class money) and printed as the end-of-day report.
import { TerminalError, type PaymentTerminal } from '../../drivers/terminal/payment-terminal.js';
import type { PrintDocument } from '../../drivers/printer/render.js';
import type { Store } from '../../store/store.js';
import type { PaymentBook } from './book.js';
import { PaymentError } from './errors.js';
import type { PaymentProgress, ReceiptPrinterStatus } from './ports.js';
import { progressText } from './progress-texts.js';
import { endOfDayDocument, type ReceiptContext } from './receipt.js';
import { RECORD, type EndOfDayRecord } from './records.js';
import { reviewItem, type ReviewItem } from './replies.js';

export interface EndOfDayDeps {
  store: Store;
  terminal: PaymentTerminal;
  book: PaymentBook;
  now: () => number;
  vehicleName: string;
  receipt: ReceiptContext;
  print: (d: PrintDocument) => Promise<{ queued: boolean; printer: ReceiptPrinterStatus | null }>;
}

export interface EndOfDayReply extends Omit<EndOfDayRecord, 'at' | 'needsReview'> {
  at: string;
  needsReview: ReviewItem[];
  printQueued: boolean;
  printer: ReceiptPrinterStatus | null;
}

/** Codes thrown before the request left: nothing happened on the terminal, nothing is journaled. */
const NOT_SENT = new Set(['NOT_CONNECTED', 'BUSY', 'STOPPED']);

export async function runEndOfDay(d: EndOfDayDeps, c: { commandId: string; actor: string }, progress: (p: PaymentProgress) => void): Promise<EndOfDayReply> {
  let terminal: EndOfDayRecord['terminal'];
  try {
    const r = await d.terminal.endOfDay({ onProgress: (p) => progress({ stage: 'terminal', code: p.code, text: progressText(p.code, p.text), at: p.at }) });
    terminal = { ok: r.ok, resultCode: r.resultCode, message: r.message, totalKurus: r.totalKurus };
  } catch (e) {
    if (!(e instanceof TerminalError)) throw e;
    if (NOT_SENT.has(e.code)) throw new PaymentError('TERMINAL_UNAVAILABLE', `end of day not run: ${e.code}: ${e.message}`, { code: e.code });
    // The request may have reached the terminal: whether its batch closed is unknown, so it is recorded as not
    // closed and flagged; the next end of day's difference shows it if it did close.
    terminal = { ok: false, resultCode: null, message: `${e.code}: ${e.message}`, totalKurus: null };
  }
  const journal = d.book.batchTotals();
  const review = d.book.needsReview();
  const differenceKurus = terminal.ok && terminal.totalKurus !== null ? terminal.totalKurus - journal.netKurus : null;
  const record: EndOfDayRecord = {
    at: d.now(),
    batchClosed: terminal.ok,
    terminal,
    journal,
    differenceKurus,
    flagged: differenceKurus !== 0 || review.length > 0,
    needsReview: review.map((o) => o.opId),
  };
  const rec = await d.store.transact((tx) => tx.journal.append({ type: RECORD.endOfDay, class: 'money', payload: record, commandId: c.commandId, actor: c.actor }));
  d.book.apply(rec);
  const terminalId = [...d.book.between(0, Number.MAX_SAFE_INTEGER)].reverse().find((p) => p.sale.card?.terminalId)?.sale.card?.terminalId ?? null;
  const doc = endOfDayDocument(
    {
      at: record.at,
      vehicleName: d.vehicleName,
      terminal: { ok: terminal.ok, message: terminal.message, totalKurus: terminal.totalKurus, terminalId },
      journal,
      differenceKurus,
      needsReview: review.map((o) => ({ paymentId: o.paymentId, kind: o.kind, amountKurus: o.amountKurus, message: o.message })),
    },
    d.receipt,
  );
  const printed = await d.print(doc);
  return { ...record, at: new Date(record.at).toISOString(), needsReview: review.map(reviewItem), printQueued: printed.queued, printer: printed.printer };
}
