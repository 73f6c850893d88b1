// What the queue does with the van's devices once a change is durable (issue 5):
// - a taken (or transferred-into) ticket is printed on the ticket printer;
// - a call or recall sounds the chime; every change repaints the LED board;
// - a kiosk button press takes a ticket for its letter, through the command path like a tablet;
// - the kiosk's printer LED shows whether tickets can print.
// Every device here is optional and may fail: nothing in this file can refuse or undo a
// ticket. A printer out of paper keeps the job, which prints when paper returns (the
// printer driver's durable queue) or on `queue/reprint`.
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../../lifecycle.js';
import type { QueueEvent } from './events.js';
import type { CallBoardPort, QueueSignalsPort, TicketPrinterPort, TicketPrinterStatus } from './ports.js';
import type { QueueService } from './queue-service.js';
import type { QueueSnapshot } from './snapshot.js';
import { ticketDocument } from './ticket-print.js';

export interface QueueDevicesDeps {
  queue: QueueService;
  printer: TicketPrinterPort | null;
  board: CallBoardPort | null;
  signals: QueueSignalsPort | null;
  /** Takes a ticket through the command path (validated, durable) for a kiosk button. */
  take: (letter: string) => Promise<void>;
  vehicleName: string;
  statusUrl?: string;
  kioskButtons: boolean;
  log: Logger;
  /** How often the printer LED follows the printer's status. */
  ledPollMs?: number;
}

/** Board rows: counters with a called or serving ticket, the most recent call first. */
export function boardRows(s: QueueSnapshot): { counter: string; ticket: string }[] {
  const recency = new Map<string, number>();
  s.lastCalled.forEach((c, i) => {
    if (!recency.has(c.number)) recency.set(c.number, i);
  });
  return s.counters
    .filter((c) => c.serving !== null)
    .sort((a, b) => (recency.get(a.serving!) ?? 99) - (recency.get(b.serving!) ?? 99) || a.number - b.number)
    .map((c) => ({ counter: String(c.number), ticket: c.serving! }));
}

/** The board's scrolling line: how many wait per service ("BEKLEYEN A:3 B:1"). */
export function boardScroll(s: QueueSnapshot): string {
  const waiting = s.services.filter((x) => x.waiting > 0).map((x) => `${x.letter}:${x.waiting}`);
  return waiting.length ? `Bekleyen ${waiting.join(' ')}` : 'Sıra bekleyen yok';
}

export class QueueDevices implements Part {
  readonly name = 'queue-devices';
  private readonly tracker = new HealthTracker('absent', 'not started');
  private readonly unsubscribe: (() => void)[] = [];
  private ledTimer: NodeJS.Timeout | null = null;
  private lastLed: boolean | null = null;
  private readonly counters = { ticketsQueued: 0, printFailures: 0, chimes: 0, boardUpdates: 0, buttonTakes: 0, buttonFailures: 0 };
  private readonly printing = new Set<Promise<void>>();

  constructor(private readonly deps: QueueDevicesDeps) {}

  start(): Promise<void> {
    const d = this.deps;
    this.unsubscribe.push(d.queue.onCommitted((events, snap) => this.onCommitted(events, snap)));
    this.paintBoard(d.queue.snapshot());
    if (d.signals && d.kioskButtons) this.unsubscribe.push(d.signals.onButton((letter) => this.onButton(letter)));
    if (d.signals && d.printer) {
      this.followPrinterLed();
      this.ledTimer = setInterval(() => this.followPrinterLed(), d.ledPollMs ?? 1000);
      this.ledTimer.unref();
    }
    this.tracker.set('ok', this.describe());
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.ledTimer) clearInterval(this.ledTimer);
    this.ledTimer = null;
    // A ticket being saved as a print job finishes before the store closes behind us.
    await Promise.allSettled([...this.printing]);
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const h = this.tracker.get();
    h.counters = { ...this.counters };
    return h;
  }

  /** The ticket printer's status, for the take reply; null when no printer is configured. */
  printerStatus(): TicketPrinterStatus | null {
    return this.deps.printer?.status() ?? null;
  }

  /** Prints a ticket (again): resolves once the job is durable. */
  async printTicket(ref: string): Promise<void> {
    const printer = this.deps.printer;
    if (!printer) throw new Error('no ticket printer is configured');
    const t = this.deps.queue.ticket(ref);
    if (!t) throw new Error(`unknown ticket ${ref}`);
    const doc = ticketDocument(t, { vehicleName: this.deps.vehicleName, statusUrl: this.deps.statusUrl, priorityLabel: this.deps.queue.priorityLabel(t.priority) });
    await printer.print(doc);
    this.counters.ticketsQueued++;
  }

  /** A reprint asked for by staff: tracked like any ticket print (logged, counted, awaited at stop). */
  reprint(ref: string): void {
    this.trackPrint(ref);
  }

  private describe(): string {
    const have = [this.deps.printer && 'printer', this.deps.board && 'board', this.deps.signals && 'gpio'].filter(Boolean);
    return have.length ? `drives ${have.join(', ')}` : 'no queue devices configured';
  }

  private onCommitted(events: readonly QueueEvent[], snap: QueueSnapshot): void {
    for (const e of events) {
      if (e.type === 'queue.ticket.taken' && this.deps.printer) this.trackPrint(e.ticket);
      if (e.type === 'queue.ticket.called' || e.type === 'queue.ticket.recalled') this.chime();
    }
    this.paintBoard(snap);
  }

  private trackPrint(ticketId: string): void {
    const p = this.printTicket(ticketId).catch((e: unknown) => {
      this.counters.printFailures++;
      this.deps.log.error({ err: e, ticket: ticketId }, 'ticket print job not saved; reprint with queue/reprint');
    });
    this.printing.add(p);
    void p.finally(() => this.printing.delete(p));
  }

  private chime(): void {
    if (!this.deps.signals) return;
    this.counters.chimes++;
    this.deps.signals.chime();
  }

  private paintBoard(snap: QueueSnapshot): void {
    if (!this.deps.board) return;
    this.counters.boardUpdates++;
    this.deps.board.show(boardRows(snap), boardScroll(snap));
  }

  private onButton(letter: string): void {
    this.deps.take(letter).then(
      () => this.counters.buttonTakes++,
      (e: unknown) => {
        this.counters.buttonFailures++;
        this.deps.log.warn({ letter, err: (e as Error).message }, 'kiosk button: no ticket taken');
      },
    );
  }

  private followPrinterLed(): void {
    const st = this.deps.printer?.status();
    if (!st || !this.deps.signals) return;
    if (st.ready === this.lastLed) return;
    this.lastLed = st.ready;
    this.deps.signals.printerLed(st.ready);
    this.deps.log.info({ printer: st.printer, state: st.state }, st.ready ? 'ticket printer ready' : 'ticket printer cannot print; tickets wait in its queue');
  }
}
