// The simulated terminal's own books: what it charged, reversed and refunded.
// Tests read it to prove that no card was charged twice, whatever the gateway saw.

export type LedgerKind = 'charge' | 'reversal' | 'refund' | 'end-of-day';

export interface LedgerEntry {
  kind: LedgerKind;
  amountKurus: number;
  receiptNo: number;
  trace: number;
  /** For a reversal: the receipt it reversed. */
  reverses?: number;
  at: string;
}

export class Ledger {
  readonly entries: LedgerEntry[] = [];

  add(e: Omit<LedgerEntry, 'at'>): LedgerEntry {
    const entry = { ...e, at: new Date().toISOString() };
    this.entries.push(entry);
    return entry;
  }

  of(kind: LedgerKind): LedgerEntry[] {
    return this.entries.filter((e) => e.kind === kind);
  }

  /** A charge by receipt number, unless it was already reversed. */
  reversible(receiptNo: number): LedgerEntry | 'already-reversed' | undefined {
    const c = this.entries.find((e) => e.kind === 'charge' && e.receiptNo === receiptNo);
    if (!c) return undefined;
    return this.entries.some((e) => e.kind === 'reversal' && e.reverses === receiptNo) ? 'already-reversed' : c;
  }

  /** Charges minus reversals minus refunds, in kuruş. */
  netKurus(): number {
    let n = 0;
    for (const e of this.entries) {
      if (e.kind === 'charge') n += e.amountKurus;
      else if (e.kind === 'reversal' || e.kind === 'refund') n -= e.amountKurus;
    }
    return n;
  }

  /** Turnover since the last end of day (charges minus reversals minus refunds). */
  batchKurus(): number {
    let n = 0;
    for (const e of this.entries) {
      if (e.kind === 'end-of-day') n = 0;
      else if (e.kind === 'charge') n += e.amountKurus;
      else n -= e.amountKurus;
    }
    return n;
  }
}
