// The visits' ports (services/visits/ports.ts) on the store: the day's events read back at
// start, and detected visits written as records of class 'queue' (DESIGN.md "Store":
// the outbox class "queue and visits"), one group-committed transaction per call.
import { isVisitEvent, type VisitEvent } from '../services/visits/events.js';
import type { VisitsJournal, VisitsRecorder } from '../services/visits/ports.js';
import type { Store } from '../store/store.js';

export function journalVisitsPort(store: Store): VisitsJournal {
  return {
    eventsSince(sinceMs: number): VisitEvent[] {
      // Read whole, inside one read: an open SQLite iterator would hold the connection.
      return store.read((tx) => {
        const out: VisitEvent[] = [];
        for (const r of tx.journal.ofClass('queue', new Date(sinceMs))) {
          const e = r.payload as { type?: unknown };
          if (isVisitEvent(e)) out.push(e);
        }
        return out;
      });
    },
  };
}

export function storeVisitsRecorder(store: Store): VisitsRecorder {
  return {
    async record(events) {
      // No actor or command: the gateway detected these from GNSS, nobody asked for them.
      await store.transact((tx) => {
        for (const e of events) tx.journal.append({ type: e.type, class: 'queue', payload: e });
      });
    },
  };
}
