// Print jobs and the port that makes them durable. The driver saves a job before a
// single byte goes to the printer and marks it done only once the transport has
// taken all of its bytes, so a crash, an unplug or a printer out of paper never
// loses a receipt: pending() hands it back after a restart, in the order saved.
// The production implementation journals through the store (DESIGN.md "Store");
// MemoryPrintJobStore is for tests and the simulated bench.

export interface PrintJob {
  /** Unique and stable (a UUID); reprint and the journal refer to it. */
  id: string;
  /** The printer's configured name. */
  printer: string;
  /** What it is, for logs and `vimgw print` listings (e.g. "tahsilat makbuzu 2026-000142"). */
  title: string;
  /** ISO time it was saved. */
  createdAt: string;
  /** The exact ESC/POS bytes, all copies included. A journal stores them base64-encoded. */
  bytes: Buffer;
  copies: number;
  /** Set on a reprint: the job it repeats. */
  reprintOf?: string;
  /** ISO time the printer's transport took the last byte; null while pending. */
  doneAt: string | null;
}

/** The durability port. Implementations must have saved the job when save() resolves (fsync on the journal). */
export interface PrintJobStore {
  save(job: PrintJob): Promise<void>;
  /** Marks a job printed. Unknown ids are an error. */
  markDone(id: string, doneAt: string): Promise<void>;
  /** Jobs for this printer not yet done, oldest first (save order). */
  pending(printer: string): Promise<PrintJob[]>;
  /** Any job, done or not (for reprint by id). */
  get(id: string): Promise<PrintJob | undefined>;
}

export class UnknownJobError extends Error {
  constructor(readonly id: string) {
    super(`no print job with id ${id}`);
    this.name = 'UnknownJobError';
  }
}

/** An in-memory PrintJobStore: for tests and the simulated bench (not durable). */
export class MemoryPrintJobStore implements PrintJobStore {
  private readonly jobs = new Map<string, PrintJob>();
  /** Make save() fail (a full disk) to test that nothing is sent unsaved. */
  failSaves = false;

  save(job: PrintJob): Promise<void> {
    if (this.failSaves) return Promise.reject(new Error('STORE_FULL: the journal disk is full'));
    if (this.jobs.has(job.id)) return Promise.reject(new Error(`duplicate print job id ${job.id}`));
    this.jobs.set(job.id, { ...job, bytes: Buffer.from(job.bytes) });
    return Promise.resolve();
  }

  markDone(id: string, doneAt: string): Promise<void> {
    const j = this.jobs.get(id);
    if (!j) return Promise.reject(new UnknownJobError(id));
    j.doneAt = doneAt;
    return Promise.resolve();
  }

  pending(printer: string): Promise<PrintJob[]> {
    return Promise.resolve([...this.jobs.values()].filter((j) => j.printer === printer && j.doneAt === null).map((j) => ({ ...j })));
  }

  get(id: string): Promise<PrintJob | undefined> {
    const j = this.jobs.get(id);
    return Promise.resolve(j && { ...j });
  }

  all(): PrintJob[] {
    return [...this.jobs.values()].map((j) => ({ ...j }));
  }
}
