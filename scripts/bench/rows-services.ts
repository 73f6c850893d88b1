// The citizen services' rows (issues 5 and 7), each against the same run's mosquitto echo:
// the floor under any MQTT request/response on this machine.
import type { LoadResult } from './load.js';
import type { PaymentFlowResult } from './payments.js';
import type { TicketFlowResult } from './queue.js';
import { fmtNum } from './stats.js';
import type { Row } from './table.js';

/** What these rows read (rows.ts Measured extends it); each absent when `--only` left its rows out. */
export interface ServiceMeasures {
  queueLoad?: LoadResult;
  ticketFlow?: TicketFlowResult;
  payment?: PaymentFlowResult;
}

export function serviceRows(m: ServiceMeasures, mos: LoadResult): Row[] {
  return [...(m.queueLoad ? queueLoadRows(m.queueLoad, mos) : []), ...(m.ticketFlow ? ticketFlowRows(m.ticketFlow, mos) : []), ...(m.payment ? [paymentRow(m.payment, mos)] : [])];
}

function queueLoadRows(q: LoadResult, mos: LoadResult): Row[] {
  const failed = q.errors > 0 ? `; ${q.errors} round trips failed (first: ${q.firstError ?? '?'})` : '';
  return [
    {
      id: 'q1',
      measure: `queue commands/s (${q.clients} tablets, durable)`,
      ours: q.rate,
      anchorName: 'mosquitto echo',
      anchor: mos.rate,
      unit: '/s',
      target: { kind: 'info' },
      note:
        `issue 5: half the tablets take tickets (services A-D), half work a counter each (open, then call-next, start, complete); ` +
        `every command validated, journaled with group commit and answered after the WAL fdatasync, vim/state/queue republished ` +
        `(retained) after each; ${fmtNum(q.ops)} commands in ${q.seconds.toFixed(1)} s${failed}`,
    },
    { id: 'q1', measure: 'queue command p99 latency', ours: q.latencyMs.p99, anchorName: 'mosquitto echo p99', anchor: mos.latencyMs.p99, unit: 'ms', target: { kind: 'info' }, note: `p50 ${fmtNum(q.latencyMs.p50)} ms vs mosquitto ${fmtNum(mos.latencyMs.p50)} ms` },
  ];
}

function ticketFlowRows(t: TicketFlowResult, mos: LoadResult): Row[] {
  return [
    {
      id: 'q2',
      measure: 'take ticket -> ticket printed, p50',
      ours: t.printed.p50,
      anchorName: 'mosquitto echo p50',
      anchor: mos.latencyMs.p50,
      unit: 'ms',
      target: { kind: 'info' },
      note:
        `issue 5: an in-process gateway on the printer and LED board simulators, one kiosk taking ${t.n} tickets one at a time; from the ` +
        `publish to the simulator decoding the ticket (ticket journaled, print job saved, ESC/POS sent): p99 ${fmtNum(t.printed.p99)} ms`,
    },
    {
      id: 'q2',
      measure: 'take ticket -> LED board shows it, p50',
      ours: t.displayed.p50,
      anchorName: 'mosquitto echo p50',
      anchor: mos.latencyMs.p50,
      unit: 'ms',
      target: { kind: 'info' },
      note: `the board's scroll line with the new waiting count ACKed by the board simulator; p99 ${fmtNum(t.displayed.p99)} ms`,
    },
  ];
}

function paymentRow(p: PaymentFlowResult, mos: LoadResult): Row {
  return {
      id: 'p1',
      measure: 'collect -> approved -> makbuz printed, p50',
      ours: p.p50Ms,
      anchorName: 'mosquitto echo p50',
      anchor: mos.latencyMs.p50,
      unit: 'ms',
      target: { kind: 'info' },
      note:
        `issue 7: ${p.n} card payments one at a time against the ZVT and printer simulators (card delay ${p.cardDelayMs} ms, ` +
        `${fmtNum(p.subtractedMs)} ms subtracted): started journaled, ZVT sale, approval and makbuz number journaled, print job saved and ` +
        `printed; p99 ${fmtNum(p.p99Ms)} ms; reply alone p50 ${fmtNum(p.reply.p50Ms)} ms, p99 ${fmtNum(p.reply.p99Ms)} ms`,
  };
}
