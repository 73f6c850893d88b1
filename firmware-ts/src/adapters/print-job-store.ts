// The printer driver's durability port (drivers/printer/jobs.ts) on the journal
// database: a job's row is committed (fsync, through the group commit) before the
// driver sends a byte, and an audit record `print.job` goes to the journal in the
// same transaction, so HQ learns what was printed without receiving the bytes.
import type { PrintJob, PrintJobStore } from '../drivers/printer/jobs.js';
import { UnknownJobError } from '../drivers/printer/jobs.js';
import type { Store } from '../store/store.js';

export class JournalPrintJobStore implements PrintJobStore {
  constructor(private readonly store: Store) {}

  async save(job: PrintJob): Promise<void> {
    await this.store.transact((tx) => {
      tx.printJobs.save({
        id: job.id,
        printer: job.printer,
        title: job.title,
        createdAt: job.createdAt,
        bytes: job.bytes,
        copies: job.copies,
        reprintOf: job.reprintOf ?? null,
        doneAt: job.doneAt,
      });
      tx.journal.append({
        type: 'print.job',
        class: 'events',
        payload: { jobId: job.id, printer: job.printer, title: job.title, copies: job.copies, bytes: job.bytes.length, reprintOf: job.reprintOf ?? null },
      });
    });
  }

  async markDone(id: string, doneAt: string): Promise<void> {
    const found = await this.store.transact((tx) => tx.printJobs.markDone(id, doneAt));
    if (!found) throw new UnknownJobError(id);
  }

  pending(printer: string): Promise<PrintJob[]> {
    return Promise.resolve(this.store.read((tx) => tx.printJobs.pending(printer)).map(toJob));
  }

  get(id: string): Promise<PrintJob | undefined> {
    const row = this.store.read((tx) => tx.printJobs.get(id));
    return Promise.resolve(row && toJob(row));
  }
}

function toJob(r: { id: string; printer: string; title: string; createdAt: string; bytes: Buffer; copies: number; reprintOf: string | null; doneAt: string | null }): PrintJob {
  return { id: r.id, printer: r.printer, title: r.title, createdAt: r.createdAt, bytes: r.bytes, copies: r.copies, doneAt: r.doneAt, ...(r.reprintOf ? { reprintOf: r.reprintOf } : {}) };
}
