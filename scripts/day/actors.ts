// The people of the day, each an async loop on its own tablet: the ticket kiosk (and
// staff taking priority tickets), three counters calling, serving, marking no-shows and
// transferring, the desk taking requests and complaints, and the cashier collecting
// debts by card. What they did is counted in DayTally for the checks and the report.
import { seededRandom } from '../../devices/shared/random.js';
import type { DayPlan, Planted } from './plan.js';
import type { Tablet } from './tablet.js';
import type { Van } from './van.js';

export interface DayTally {
  ticketsTaken: number;
  priorityTaken: number;
  transfers: number;
  noShows: number;
  cancels: number;
  completed: number;
  recalls: number;
  requests: number;
  requestsByType: Record<string, number>;
  photos: number;
  smsRequested: number;
  payments: { approved: number; declined: number; needsReview: number; voids: number; refunds: number };
  /** Payment ids approved, with their amounts. */
  approvedPaymentIds: string[];
  endOfDay: Record<string, unknown> | null;
  killedPayment: { id: string; status: string } | null;
  /** Where the van stood when the gateway was SIGKILLed, and whether the restarted gateway saw the visit go on. */
  killVisit: { atS: number; visitId: string; stopId: string; name: string; resumedSeen: boolean } | null;
  restartMs: number[];
  /** The last commands, kept for failure messages. */
  errors: string[];
}

export function newTally(): DayTally {
  return {
    ticketsTaken: 0,
    priorityTaken: 0,
    transfers: 0,
    noShows: 0,
    cancels: 0,
    completed: 0,
    recalls: 0,
    requests: 0,
    requestsByType: {},
    photos: 0,
    smsRequested: 0,
    payments: { approved: 0, declined: 0, needsReview: 0, voids: 0, refunds: 0 },
    approvedPaymentIds: [],
    endOfDay: null,
    killedPayment: null,
    killVisit: null,
    restartMs: [],
    errors: [],
  };
}

export interface DayClock {
  /** Seconds since the day began. */
  elapsedS(): number;
  /** Resolves when the day reaches `s` seconds. */
  until(s: number): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const SERVICES = ['A', 'A', 'B', 'B', 'B', 'C', 'D', 'D'];
const PRIORITIES = ['elderly', 'disabled', 'pregnant', 'veteran', 'martyr_relative'];

export interface QueueShared {
  takingDone: boolean;
  /** Tickets the floor staff cancelled (the citizen left). */
  cancelled: Set<string>;
}

/** The kiosk: tickets spread over the day; every ninth is a priority ticket staff take for the citizen. */
export async function kiosk(plan: DayPlan, clock: DayClock, kioskTab: Tablet, staffTab: Tablet, tally: DayTally, shared: QueueShared): Promise<void> {
  const rng = seededRandom(plan.seed + 1);
  const span = plan.daySeconds * 0.86;
  for (let i = 0; i < plan.counts.tickets; i++) {
    await clock.until((i * span) / plan.counts.tickets);
    const service = SERVICES[Math.floor(rng() * SERVICES.length)]!;
    const priority = i % 9 === 4 ? PRIORITIES[i % PRIORITIES.length]! : null;
    const r = priority ? await staffTab.send('queue/take', { service, priority }) : await kioskTab.send('queue/take', { service });
    if (!r.ok) {
      tally.errors.push(`take ${service}: ${r.error?.code}`);
      continue;
    }
    tally.ticketsTaken++;
    if (priority) tally.priorityTaken++;
    // Now and then a citizen gives up before being called.
    if (i % 37 === 20) {
      const c = await staffTab.send('queue/cancel', { ticket: r.result!.ticketId });
      if (c.ok) {
        tally.cancels++;
        shared.cancelled.add(r.result!.ticketId as string);
      }
    }
  }
  shared.takingDone = true;
}

/**
 * A counter's step on its called ticket. The floor staff may cancel that ticket (the citizen
 * left) just as it was called: the gateway refuses the step with INVALID_STATE, and the
 * counter moves on (false) once the cancel is confirmed; any other refusal is a failure.
 */
async function step(tab: Tablet, topic: string, args: { ticket: string } & Record<string, unknown>, shared: QueueShared): Promise<boolean> {
  const r = await tab.send(topic, args);
  if (r.ok) return true;
  if (r.error?.code === 'INVALID_STATE') {
    // The cancel committed before this refusal; its answer to the floor tablet may still be on its way.
    for (let i = 0; i < 100 && !shared.cancelled.has(args.ticket); i++) await sleep(100);
    if (shared.cancelled.has(args.ticket)) return false;
  }
  throw new Error(`${topic} refused: ${r.error?.code} ${r.error?.message}`);
}

/** One counter: open, call, serve (or no-show, or transfer), until the queue is empty after the last ticket. */
export async function counter(plan: DayPlan, n: number, tab: Tablet, tally: DayTally, shared: QueueShared): Promise<void> {
  const rng = seededRandom(plan.seed + 10 + n);
  await tab.ok('queue/open-counter', { counter: n });
  for (;;) {
    const call = await tab.send('queue/call-next', { counter: n });
    if (!call.ok) {
      if (call.error?.code !== 'NOTHING_WAITING') tally.errors.push(`call-next ${n}: ${call.error?.code}`);
      if (shared.takingDone) break;
      await sleep(250 + rng() * 250);
      continue;
    }
    const ticket = call.result!.ticketId as string;
    const roll = rng();
    await sleep(100 + rng() * 200);
    if (roll < 0.08) {
      if (!(await step(tab, 'queue/recall', { ticket }, shared))) continue;
      tally.recalls++;
      await sleep(100);
      if (!(await step(tab, 'queue/no-show', { ticket }, shared))) continue;
      tally.noShows++;
      continue;
    }
    if (roll < 0.14) {
      const to = ['A', 'B', 'C', 'D'].filter((s) => !ticket.includes(`/${s}`))[Math.floor(rng() * 3)]!;
      if (!(await step(tab, 'queue/transfer', { ticket, service: to }, shared))) continue;
      tally.transfers++;
      continue;
    }
    if (!(await step(tab, 'queue/start', { ticket }, shared))) continue;
    // Serving: the ticket can no longer be cancelled.
    await sleep(200 + rng() * 900);
    await tab.ok('queue/complete', { ticket });
    tally.completed++;
  }
  await tab.ok('queue/close-counter', { counter: n });
}

function jpeg(rng: () => number, bytes: number): string {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = Math.floor(rng() * 256);
  Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex').copy(b, 0);
  b[bytes - 2] = 0xff;
  b[bytes - 1] = 0xd9;
  return b.toString('base64');
}

/** The desk: requests and complaints; every fourth a Bilgi Edinme with a TC Kimlik No. */
export async function requestsDesk(plan: DayPlan, planted: Planted, clock: DayClock, tab: Tablet, tally: DayTally): Promise<void> {
  const rng = seededRandom(plan.seed + 2);
  const kvkk = { consent: true, noticeVersion: '2026-01' };
  let tcknI = 0;
  let phoneI = 0;
  for (let i = 0; i < plan.counts.requests; i++) {
    await clock.until(2 + (i * plan.daySeconds * 0.85) / plan.counts.requests);
    const phone = `+90${planted.phones[phoneI++ % planted.phones.length]!}`;
    let args: Record<string, unknown>;
    switch (i % 4) {
      case 0:
        args = {
          type: 'bilgi_edinme',
          category: 'zoning',
          authority: 'inegol_department',
          department: 'imar',
          subject: 'İmar durumu belgesi',
          description: 'Parselimizin imar durumuna ait belgelerin bir örneğini istiyorum.',
          citizen: { name: 'Ayşe Yıldırım', tckn: planted.tcknList[tcknI++]!, address: 'Cuma Mah. Kırcılar Sok. No 4 İnegöl', phone },
          citizenConfirmed: true,
        };
        break;
      case 1:
        args = {
          type: 'sikayet',
          category: 'roads',
          authority: 'inegol_department',
          department: 'fen_isleri',
          subject: 'Yolda çukur',
          description: 'Köy yolunun girişindeki çukur büyüdü; ışık yok, gece tehlikeli.',
          citizen: { name: 'Mehmet Öztürk', phone },
          photos: Array.from({ length: 1 + (i % 3) }, () => ({ data: jpeg(rng, 6000 + Math.floor(rng() * 8000)), mime: 'image/jpeg' })),
          sms: true,
        };
        break;
      case 2:
        args = { type: 'istek', category: 'lighting', authority: 'inegol_department', department: 'fen_isleri', subject: 'Sokak lambası', description: 'Okul önündeki sokak lambası yanmıyor.' };
        break;
      default:
        args = { type: 'istihdam_kayit', category: 'job_seeker', authority: 'other', subject: 'İş arayan kaydı', description: 'Forklift belgeli, vardiyalı işe uygun.', citizen: { name: 'Şükrü Çelik', phone } };
    }
    const r = await tab.send('requests/create', { ...args, kvkk });
    if (!r.ok) {
      tally.errors.push(`request ${String(args.type)}: ${r.error?.code} ${r.error?.message}`);
      continue;
    }
    tally.requests++;
    tally.requestsByType[args.type as string] = (tally.requestsByType[args.type as string] ?? 0) + 1;
    tally.photos += Array.isArray(args.photos) ? args.photos.length : 0;
    if (args.sms) tally.smsRequested++;
  }
}

export interface Cashier {
  tab: Tablet;
  supervisor: Tablet;
  /** Sets the terminal simulator's behaviour for the next sale. */
  behave(b: { mode?: 'approve' | 'decline'; delayMs?: number }): void;
  /** Resolves once the terminal booked one more charge than `before`. */
  charges(): number;
  /** SIGKILLs the gateway and starts it again; the restart time in ms. */
  killAndRestart(): Promise<number>;
  /** The van: the SIGKILL strikes while it stands at a planned stop, and it waits there for the payment. */
  van: Van;
  log: (msg: string) => void;
}

function collectArgs(i: number, rng: () => number, idNo: string | null) {
  const total = 5_000 + Math.floor(rng() * 245_000);
  const late = i % 3 === 0 ? Math.floor(total / 12) : 0;
  return {
    payer: { ref: `004-${String(100 + i)}-2231`, name: 'Gülşen Çağlayan Öztürk', ...(idNo ? { idNo } : {}) },
    lines: [{ revenueType: i % 2 ? 'EMLAK' : 'CTV', year: 2026, instalment: 1 + (i % 2), principalKurus: total - late, lateFeeKurus: late, totalKurus: total }],
    totalKurus: total,
  };
}

/** The cashier: card payments, a few declined, one voided, one refunded, one under a SIGKILL, then end of day. */
export async function cashier(plan: DayPlan, planted: Planted, clock: DayClock, c: Cashier, tally: DayTally): Promise<void> {
  const rng = seededRandom(plan.seed + 3);
  let killed = false;
  for (let i = 0; i < plan.counts.payments; i++) {
    await clock.until(3 + (i * plan.daySeconds * 0.82) / plan.counts.payments);
    const decline = i % 7 === 3;
    const args = collectArgs(i, rng, i % 4 === 1 ? planted.tcknList[planted.tcknList.length - 1 - (i % 4)]! : null);
    c.behave({ mode: decline ? 'decline' : 'approve', delayMs: 0 });
    let r;
    if (!killed && !decline && clock.elapsedS() >= plan.killAtS) {
      killed = true;
      // Payments are taken at a stop: this citizen comes to the window once the van stands at
      // the next planned stop (the gateway has seen the visit), and the van does not drive on
      // before the gateway is back and sees it there again.
      const stop = await c.van.holdAtPlannedStop(1000 * plan.route.durationS / plan.speedup);
      const held = Date.now();
      c.log(stop ? `the van waits at ${stop.name} for payment ${i}; the gateway will be SIGKILLed under it` : 'no planned stop with its visit in progress within a lap: SIGKILL anyway');
      try {
        // Slow completion, so the SIGKILL lands after the terminal booked the charge and before the gateway heard.
        c.behave({ delayMs: 2000 });
        const before = c.charges();
        const pending = c.tab.send('payments/collect', args, { retryMs: 6000, deadlineMs: 180_000 });
        const t0 = Date.now();
        while (c.charges() === before && Date.now() - t0 < 30_000) await sleep(20);
        const atS = clock.elapsedS();
        const restartMs = await c.killAndRestart();
        tally.restartMs.push(restartMs);
        c.behave({ delayMs: 0 });
        c.log(`SIGKILL at ${atS.toFixed(1)} s; the gateway was ready again after ${restartMs} ms`);
        if (stop) {
          const resumedSeen = await c.van.gatewaySeesVisit(stop.visitId, Date.now() - restartMs, 60_000);
          tally.killVisit = { atS, ...stop, resumedSeen };
          c.log(`the restarted gateway ${resumedSeen ? 'sees' : 'does NOT see'} the visit at ${stop.name} go on; the van drives on after waiting ${((Date.now() - held) / 1000).toFixed(1)} s`);
        }
        c.van.release();
        r = await pending;
        c.log(`the payment under the SIGKILL was answered ${((Date.now() - t0) / 1000).toFixed(1)} s after it was sent`);
      } finally {
        c.van.release();
      }
      tally.killedPayment = { id: (r.result?.paymentId as string | undefined) ?? '?', status: (r.result?.status as string | undefined) ?? r.error?.code ?? '?' };
    } else r = await c.tab.send('payments/collect', args, { deadlineMs: 180_000 });
    c.behave({ mode: 'approve', delayMs: 0 });
    if (!r.ok) {
      tally.errors.push(`collect ${i}: ${r.error?.code} ${r.error?.message}`);
      continue;
    }
    const status = r.result!.status as string;
    if (status === 'approved') {
      tally.payments.approved++;
      tally.approvedPaymentIds.push(r.result!.paymentId as string);
    } else if (status === 'declined') tally.payments.declined++;
    else tally.payments.needsReview++;
    if (status === 'approved' && tally.payments.approved === 4) {
      await c.supervisor.ok('payments/void', { paymentId: r.result!.paymentId, reason: 'Yanlış sicil numarası' });
      tally.payments.voids++;
    }
    if (status === 'approved' && tally.payments.approved === 8) {
      await c.supervisor.ok('payments/refund', { paymentId: r.result!.paymentId, amountKurus: Math.floor(args.totalKurus / 2), reason: 'Fazla tahsilat' });
      tally.payments.refunds++;
    }
  }
}
