// A receipt printer as a Part (DESIGN.md "Contracts", issue 4 "Thermal printer"): owns
// a Transport (tcp://host:9100, file:///dev/vim-printer, sim://printer), renders
// documents to ESC/POS, and prints durable jobs in order. A job is saved through the
// PrintJobStore port before any byte is sent and marked done only after the
// transport took all its bytes; jobs for a printer that is unplugged, out of paper,
// open or offline wait and print in order when it is back. Status comes from DLE EOT
// (ESC/POS) or ESC ACK SOH's ASB (a Star in Star Line Mode) where the printer
// answers, and is `unknown` where it does not.
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { HealthTracker, type Health, type HealthState, type Part } from '../../lifecycle.js';
import { Transport } from '../../transport/transport.js';
import { describeTarget } from '../../transport/uri.js';
import { resolveCodeTable } from './escpos.js';
import { UnknownJobError, type PrintJob, type PrintJobStore } from './jobs.js';
import { PrinterUnavailableError, type PrinterConfig, type PrinterDriverDeps } from './options.js';
import { renderDocument, type PrintDocument, type PrinterProfile } from './render.js';
import { canPrint, hex, stateFromBits, StatusProbe, type PrinterState, type PrinterStatus } from './status.js';
import { testPage } from './test-page.js';

export { PrinterConfigSchema, PrinterUnavailableError, type PrinterConfig, type PrinterDriverDeps } from './options.js';
export type { PrinterStatus, PrinterState } from './status.js';

const HEALTH: Record<PrinterState, HealthState> = {
  ready: 'ok',
  'paper-near-end': 'degraded',
  unknown: 'degraded',
  'paper-out': 'failed',
  'cover-open': 'failed',
  offline: 'failed',
  error: 'failed',
  disconnected: 'failed',
  garbage: 'failed',
};

export class PrinterDriver implements Part {
  readonly name: string;
  readonly transport: Transport;
  readonly profile: PrinterProfile;
  private readonly log: Logger;
  private readonly jobs: PrintJobStore;
  private readonly probe: StatusProbe;
  private readonly tracker = new HealthTracker('absent', 'not started');
  private st: PrinterStatus;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private probing: Promise<void> | null = null;
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private configError: string | null = null;
  private readonly counters = { printed: 0, bytesPrinted: 0, writeFailures: 0, storeFailures: 0, probes: 0, garbage: 0, unmapped: 0 };

  constructor(
    private readonly config: PrinterConfig,
    private readonly deps: PrinterDriverDeps,
  ) {
    this.name = config.name;
    this.log = deps.log.child({ part: 'printer', printer: config.name });
    this.jobs = deps.jobs;
    this.profile = { type: config.type, codePage: config.codePage, codePageTable: config.codePageTable, widthChars: config.widthChars };
    this.transport = new Transport(`printer-${config.name}`, config.port, { log: this.log, sims: deps.sims, backoff: deps.backoff });
    this.probe = new StatusProbe((b) => this.transport.write(b), config.statusTimeoutMs, this.onUnexpected, config.type);
    this.st = { printer: config.name, state: 'disconnected', answers: 'untested', bits: null, detail: 'not started', checkedAt: null, pendingJobs: 0 };
  }

  /** The status request this printer is asked (for messages): DLE EOT, or ESC ACK SOH on a Star. */
  get statusRequest(): string {
    return this.probe.request;
  }

  /** Whether bytes can come back on this link at all (a device file only with ?read=1). */
  get hasBackChannel(): boolean {
    const t = this.transport.target;
    return t.kind !== 'file' || t.read;
  }

  async start(): Promise<void> {
    try {
      resolveCodeTable(this.profile.type, this.profile.codePage, this.profile.codePageTable);
    } catch (e) {
      this.configError = (e as Error).message;
      this.tracker.set('failed', this.configError);
      this.log.error({ err: this.configError }, 'printer not started: bad configuration');
      return;
    }
    this.running = true;
    this.transport.on('open', this.onOpen);
    this.transport.on('close', this.onClose);
    this.transport.on('data', this.onData);
    await this.transport.start();
    this.set({ state: 'disconnected', detail: `connecting to ${describeTarget(this.transport.target)}` });
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.probe.cancel();
    await this.probing;
    await this.pumping;
    this.transport.off('open', this.onOpen);
    this.transport.off('close', this.onClose);
    this.transport.off('data', this.onData);
    await this.transport.stop();
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const h = this.tracker.get();
    h.counters = { ...this.counters, pendingJobs: this.st.pendingJobs, linkOpens: this.transport.health().counters?.opens ?? 0 };
    return h;
  }

  status(): PrinterStatus {
    return { ...this.st, bits: this.st.bits && { ...this.st.bits } };
  }

  /** Renders and saves a job, then queues it; resolves once it is saved (not printed). */
  async print(doc: PrintDocument, opts: { copies?: number } = {}): Promise<PrintJob> {
    if (this.configError) throw new PrinterUnavailableError(this.configError);
    const copies = opts.copies ?? 1;
    const r = renderDocument(doc, this.profile, copies);
    if (r.unmapped.length) {
      this.counters.unmapped += r.unmapped.length;
      this.log.warn({ title: doc.title, unmapped: [...new Set(r.unmapped)].join('') }, 'characters without a code page byte print as ?');
    }
    return this.submit({ title: doc.title, bytes: r.bytes, copies });
  }

  printTestPage(): Promise<PrintJob> {
    return this.print(testPage(this.name, this.profile));
  }

  /** Prints a saved job again, as a new job (its own id) with the same bytes. */
  async reprint(id: string): Promise<PrintJob> {
    const old = await this.jobs.get(id);
    if (!old) throw new UnknownJobError(id);
    return this.submit({ title: old.title, bytes: old.bytes, copies: old.copies, reprintOf: old.reprintOf ?? old.id });
  }

  /** Asks the printer now (DLE EOT, or ESC ACK SOH on a Star) and returns the fresh status. */
  async checkStatus(): Promise<PrinterStatus> {
    await this.refreshStatus();
    return this.status();
  }

  private async submit(j: { title: string; bytes: Buffer; copies: number; reprintOf?: string }): Promise<PrintJob> {
    const job: PrintJob = { id: randomUUID(), printer: this.name, createdAt: new Date().toISOString(), doneAt: null, ...j };
    await this.jobs.save(job); // durable before a byte is sent; a failed save throws to the caller
    this.log.info({ job: job.id, title: job.title, bytes: job.bytes.length, copies: job.copies, reprintOf: job.reprintOf }, 'print job saved');
    this.kick();
    return job;
  }

  /** Starts the queue pump, or asks the running one to look again. */
  private kick(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      if (this.pumpAgain) {
        this.pumpAgain = false;
        this.kick();
      }
    });
  }

  private async pump(): Promise<void> {
    while (this.running && this.transport.connected) {
      let pending: PrintJob[];
      try {
        pending = await this.jobs.pending(this.name);
      } catch (e) {
        this.counters.storeFailures++;
        this.log.error({ err: e }, 'cannot read pending print jobs');
        return;
      }
      this.st.pendingJobs = pending.length;
      const job = pending[0];
      if (!job) return;
      // Where the printer answers, ask it before each job: paper out or cover open holds the queue.
      if (this.hasBackChannel && this.st.answers !== 'no') await this.refreshStatus();
      if (!this.transport.connected || !canPrint(this.st.state)) return;
      try {
        await this.transport.write(job.bytes);
      } catch (e) {
        // Still pending: the whole job goes again when the link is back (a partial receipt may precede it).
        this.counters.writeFailures++;
        this.log.warn({ job: job.id, err: (e as Error).message }, 'print job write failed; it stays queued');
        return;
      }
      try {
        await this.jobs.markDone(job.id, new Date().toISOString());
      } catch (e) {
        // Printed but not marked: it would print twice after a restart. Stop the queue and say so.
        this.counters.storeFailures++;
        this.tracker.set('failed', `job ${job.id} printed but could not be marked done: ${(e as Error).message}`);
        this.log.error({ job: job.id, err: e }, 'print job printed but not marked done');
        return;
      }
      this.counters.printed++;
      this.counters.bytesPrinted += job.bytes.length;
      this.st.pendingJobs = Math.max(0, pending.length - 1);
      this.log.info({ job: job.id, title: job.title }, 'print job written');
      this.deps.onPrinted?.(job.id);
    }
  }

  private refreshStatus(): Promise<void> {
    if (!this.probing) {
      this.probing = this.doProbe().finally(() => {
        this.probing = null;
      });
    }
    return this.probing;
  }

  private async doProbe(): Promise<void> {
    if (!this.running || !this.transport.connected) return;
    if (!this.hasBackChannel) {
      this.set({ state: 'unknown', answers: 'no', bits: null, detail: `write-only device file: paper and cover status unknown (add ?read=1 if the printer answers ${this.probe.request})` });
      return;
    }
    this.counters.probes++;
    const r = await this.probe.probe();
    if (!this.transport.connected) return;
    if (r.answers === 'no') this.set({ state: 'unknown', answers: 'no', bits: null, detail: `the printer does not answer ${this.probe.request}: paper and cover status unknown` });
    else if (r.answers === 'garbage') this.garbage(r.bytes, r.why);
    else this.set({ answers: 'yes', bits: r.bits, ...stateFromBits(r.bits) });
  }

  private garbage(bytes: Buffer, why?: string): void {
    this.counters.garbage++;
    const what = `${hex(bytes)}${why ? `: ${why}` : ''}`;
    this.set({ state: 'garbage', answers: 'garbage', bits: null, detail: `the printer answered ${this.probe.request} with bytes that are not status bytes (${what}): wrong device on ${this.config.port}?` });
  }

  private set(s: Partial<PrinterStatus> & { state: PrinterState; detail: string }): void {
    const prev = this.st;
    this.st = { ...this.st, ...s, checkedAt: new Date().toISOString() };
    const pending = this.st.pendingJobs ? `; ${this.st.pendingJobs} job(s) waiting` : '';
    if (this.tracker.set(HEALTH[s.state], `${s.detail}${pending}`) || prev.state !== s.state) {
      const level = HEALTH[s.state] === 'failed' ? 'warn' : 'info';
      this.log[level]({ state: s.state, detail: s.detail }, 'printer status');
    }
    if (prev.state !== s.state || prev.answers !== this.st.answers || prev.detail !== s.detail) this.deps.onStatus?.(this.status());
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refreshStatus().then(() => {
        this.kick();
        this.schedule();
      });
    }, this.config.statusPollS * 1000);
    this.timer.unref();
  }

  private readonly onOpen = (): void => {
    this.set({ state: 'unknown', answers: 'untested', bits: null, detail: `link open (${describeTarget(this.transport.target)}); asking for status` });
    void this.refreshStatus().then(() => this.kick());
  };

  private readonly onClose = (info: { unplugged: boolean; error?: Error }): void => {
    this.probe.cancel();
    this.set({ state: 'disconnected', answers: 'untested', bits: null, detail: `link closed: ${info.error?.message ?? (info.unplugged ? 'unplugged' : 'closed')}` });
  };

  private readonly onData = (d: Buffer): void => this.probe.data(d);

  private readonly onUnexpected = (bytes: Buffer): void => {
    this.log.warn({ bytes: hex(bytes) }, 'printer sent bytes nobody asked for');
    this.garbage(bytes);
  };
}
