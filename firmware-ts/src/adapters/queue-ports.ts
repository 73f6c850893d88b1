// The queue's ports (services/queue/ports.ts) on the real parts: the journal, the ticket
// printer, the LED board and GPIO. Thin on purpose: the queue's behaviour lives in
// services/queue, and each driver keeps its own faults, retries and health.
import type { Logger } from 'pino';
import type { DisplayDriver } from '../drivers/display/display-driver.js';
import type { GpioDriver } from '../drivers/gpio/gpio-driver.js';
import type { PrinterDriver } from '../drivers/printer/printer-driver.js';
import { canPrint } from '../drivers/printer/status.js';
import { isQueueEvent, type QueueEvent } from '../services/queue/events.js';
import type { CallBoardPort, QueueJournal, QueueSignalsPort, TicketPrinterPort } from '../services/queue/ports.js';
import type { Store } from '../store/store.js';

export function journalQueuePort(store: Store): QueueJournal {
  return {
    eventsSince(sinceMs: number): QueueEvent[] {
      // Read whole, inside one read: an open SQLite iterator would hold the connection.
      return store.read((tx) => {
        const out: QueueEvent[] = [];
        for (const r of tx.journal.ofClass('queue', new Date(sinceMs))) {
          const e = r.payload as { type?: unknown };
          if (isQueueEvent(e)) out.push(e);
        }
        return out;
      });
    },
  };
}

export function ticketPrinterPort(p: PrinterDriver): TicketPrinterPort {
  return {
    status() {
      const st = p.status();
      return { printer: p.name, ready: canPrint(st.state) && p.transport.connected, state: st.state, pendingJobs: st.pendingJobs };
    },
    async print(doc) {
      await p.print(doc);
    },
  };
}

export function callBoardPort(d: DisplayDriver): CallBoardPort {
  return { show: (serving, scroll) => d.show(scroll === undefined ? { serving } : { serving, scroll }) };
}

export function queueSignalsPort(g: GpioDriver, paperLed: string, log: Logger): QueueSignalsPort {
  const hasLed = g.ledNames().includes(paperLed);
  if (!hasLed) log.info({ led: paperLed }, 'no printer LED configured for the kiosk (devices.gpio.lines.leds)');
  return {
    chime: () => {
      g.chime().catch((e: unknown) => log.warn({ err: e }, 'chime failed'));
    },
    printerLed: (ok) => {
      if (hasLed) g.setLed(paperLed, ok ? 'ok' : 'fault');
    },
    onButton: (listener) => {
      g.on('button', listener);
      return () => g.off('button', listener);
    },
  };
}
