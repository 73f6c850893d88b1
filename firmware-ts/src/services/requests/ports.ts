// What the requests service needs from outside, as ports (DESIGN.md "Layout": services
// depend on ports, not on drivers). gateway.ts and adapters/ implement them with the GNSS
// driver, the visits service, the printer driver and files beside the journal; tests
// implement them in memory.
import type { PrintDocument } from '../../drivers/printer/render.js';

/** The visit the van is at (services/visits builds it; VisitsService fits this port as it is). */
export interface CurrentVisit {
  current(): { visitId: string; stopId: string | null; name: string } | null;
}

/** Where the van is, for stamping a record: a fresh fix, or "none". A stale fix is never current. */
export type RequestPosition =
  | { fix: 'none' }
  | { fix: '2d' | '3d'; lat: number; lon: number; hdop: number | null; satellites: number | null; at: string | null };

export interface PositionPort {
  current(): RequestPosition;
}

/**
 * Photo files beside the journal, content-addressed (`<sha256>.<ext>`): a retry writes the
 * same name, a crash leaves at most an orphan. `put` resolves only once the file and its
 * directory entry are on disk (fsync), so the transaction that records the hash may follow.
 */
export interface AttachmentStore {
  put(file: { sha256: string; ext: string; data: Buffer }): Promise<void>;
}

export interface ReceiptPrinterStatus {
  printer: string;
  ready: boolean;
  state: string;
  pendingJobs: number;
}

/** The printer receipts go to; a job is durable once `print` resolves and prints when the printer can. */
export interface ReceiptPrinter {
  status(): ReceiptPrinterStatus;
  print(doc: PrintDocument): Promise<void>;
}
