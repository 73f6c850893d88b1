// One ZVT command sequence from the ECR's side (PA00P015 §2, PA00P016 §5):
//
//   ECR -> PT  command (e.g. 06 01)
//   PT -> ECR  80 00 (accepted) or 84 xx (refused)        within T3  = ackTimeoutMs
//   PT -> ECR  04 FF intermediate status ...  ECR: 80 00   gaps <= T4 = intermediateTimeoutMs
//   PT -> ECR  04 0F status information       ECR: 80 00   <- the payment becomes final here
//   PT -> ECR  06 D1 print lines (if the ECR prints)  ECR: 80 00
//   PT -> ECR  06 0F completion or 06 1E abort ECR: 80 00   all within completionTimeoutMs
//
// PA00P015 §2.2.8: the PT stores the transaction for good only once the ECR has
// acknowledged the status information (and any print lines that follow it); without
// that acknowledgement it auto-reverses. So the exact moment a payment becomes
// final is when our 80 00 answering its 04 0F has been delivered (written to the
// socket on TCP; ACKed by the PT on serial) - see `statusAcknowledged` below.
import { ACK_APDU, CMD, apdu, describe, is, isAnswer, type Apdu } from './apdu.js';
import { decodeAbort, decodeIntermediate, decodePrintLine } from './transaction.js';
import { LinkError, type ZvtLink } from './zvt-link.js';

export interface ExchangeOptions {
  /** T3: command to 80 00 / 84 xx (PA00P016 §5.2.5). */
  ackTimeoutMs: number;
  /** T4: longest silence between the PT's messages after its 80 00 (PA00P016 §5.2.6); 04 FF may raise it. */
  intermediateTimeoutMs: number;
  /** Cap on the whole operation after the PT's 80 00. */
  completionTimeoutMs: number;
  /** False for commands answered by 80 00 alone (abort 06 B0 while the ECR is master). */
  expectCompletion: boolean;
  onIntermediate?: (code: number) => void;
  onFault?: (what: string) => void;
}

export type ExchangeOutcome =
  | { kind: 'completed'; completion: Apdu; statusInfos: Buffer[]; receipt: string[] }
  | { kind: 'aborted'; resultCode: number; statusInfos: Buffer[]; receipt: string[] }
  | { kind: 'refused'; code: number }
  | { kind: 'accepted' };

export interface ExchangeProgress {
  requestSent: boolean;
  accepted: boolean;
  statusInfos: Buffer[];
  statusAcknowledged: boolean;
  lastIntermediate: number | null;
}

export class ExchangeError extends Error {
  constructor(
    readonly reason: 'not-connected' | 'link-lost' | 'timeout' | 'protocol',
    readonly phase: 'send' | 'ack' | 'running',
    message: string,
    readonly progress: ExchangeProgress,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}

export function runExchange(link: ZvtLink, transport: { on(e: 'close', f: () => void): unknown; off(e: 'close', f: () => void): unknown }, cmd: Apdu, o: ExchangeOptions): Promise<ExchangeOutcome> {
  const p: ExchangeProgress = { requestSent: false, accepted: false, statusInfos: [], statusAcknowledged: false, lastIntermediate: null };
  const receipt: string[] = [];
  let phase: 'send' | 'ack' | 'running' = 'send';
  let settled = false;
  let gapTimer: NodeJS.Timeout | null = null;
  let overallTimer: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();

  return new Promise<ExchangeOutcome>((resolve, reject) => {
    const cleanup = (): void => {
      settled = true;
      if (gapTimer) clearTimeout(gapTimer);
      if (overallTimer) clearTimeout(overallTimer);
      link.off('apdu', onApdu);
      transport.off('close', onClose);
    };
    const done = (r: ExchangeOutcome): void => {
      if (settled) return;
      cleanup();
      resolve(r);
    };
    const fail = (reason: ExchangeError['reason'], msg: string): void => {
      if (settled) return;
      cleanup();
      reject(new ExchangeError(reason, phase, msg, p));
    };
    const armGap = (ms: number, what: string): void => {
      if (gapTimer) clearTimeout(gapTimer);
      gapTimer = setTimeout(() => fail('timeout', `${what}: nothing from the terminal for ${ms} ms`), ms);
    };
    const onClose = (): void => fail('link-lost', `link to the terminal lost (${phase === 'ack' ? 'before its 80 00' : phase === 'running' ? 'while it worked' : 'while sending'})`);

    /** Our answer to one of the PT's commands, in order; a failure fails the exchange. */
    const answer = (a: Apdu, after?: () => void): void => {
      chain = chain.then(async () => {
        if (settled) return;
        try {
          await link.send(a);
          after?.();
        } catch (e) {
          fail('link-lost', `could not answer the terminal: ${(e as Error).message}`);
        }
      });
    };

    const accept = (): void => {
      phase = 'running';
      p.accepted = true;
      armGap(o.intermediateTimeoutMs, 'T4 (intermediate)');
      overallTimer = setTimeout(() => fail('timeout', `no completion within ${o.completionTimeoutMs} ms`), o.completionTimeoutMs);
    };

    const onApdu = (a: Apdu): void => {
      if (settled) return;
      if (phase === 'send' || phase === 'ack') {
        if (isAnswer(a)) {
          if (a.cls === 0x84 && a.instr !== 0x00) return done({ kind: 'refused', code: a.instr });
          if (!o.expectCompletion) return done({ kind: 'accepted' });
          accept();
          return;
        }
        if (is(a, CMD.completion) || is(a, CMD.ptAbort)) {
          // A bare completion or abort before any 80 00 ends an earlier exchange that no ECR
          // acknowledged (the gateway restarted mid-transaction). It is not this command's: the
          // PT answers a command with 80 00 first, and a transaction's completion comes after its
          // status information (PA00P015 §2.2.8, §2.1). Acknowledge it, so the PT is done with it
          // and turns to our command, and keep waiting for our 80 00 (T3 stays armed).
          o.onFault?.(`stale ${describe(a)} from an earlier transaction before 80 00: acknowledged and ignored`);
          answer(ACK_APDU);
          return;
        }
        // A PT command before its 80 00: the 80 00 was lost or skipped; it is working.
        if (!o.expectCompletion) return fail('protocol', `terminal sent ${describe(a)} instead of 80 00`);
        o.onFault?.(`terminal sent ${describe(a)} before 80 00`);
        accept();
      }
      armGap(o.intermediateTimeoutMs, 'T4 (intermediate)');
      if (is(a, CMD.intermediate)) {
        const st = decodeIntermediate(a.data);
        if (st) {
          p.lastIntermediate = st.code;
          // §3.7: <timeout> sets T4 for lengthy actions.
          if (st.timeoutMin) armGap(Math.max(o.intermediateTimeoutMs, st.timeoutMin * 60_000), 'T4 (set by the terminal)');
          o.onIntermediate?.(st.code);
        }
        answer(ACK_APDU);
      } else if (is(a, CMD.statusInfo)) {
        p.statusInfos.push(a.data);
        // THE MOMENT OF FINALITY (PA00P015 §2.2.8): once this 80 00 is delivered, the
        // terminal stores the transaction; before it, the terminal would auto-reverse.
        answer(ACK_APDU, () => (p.statusAcknowledged = true));
      } else if (is(a, CMD.printLine)) {
        receipt.push(decodePrintLine(a.data));
        answer(ACK_APDU);
      } else if (is(a, CMD.printTextBlock)) {
        answer(ACK_APDU);
      } else if (is(a, CMD.completion)) {
        answer(ACK_APDU, () => done({ kind: 'completed', completion: a, statusInfos: p.statusInfos, receipt }));
      } else if (is(a, CMD.ptAbort)) {
        answer(ACK_APDU, () => done({ kind: 'aborted', resultCode: decodeAbort(a.data), statusInfos: p.statusInfos, receipt }));
      } else if (isAnswer(a)) {
        // e.g. the PT's 80 00 to an abort (06 B0) we sent while it worked: nothing to do.
      } else {
        o.onFault?.(`unsupported command ${describe(a)} from terminal; answered 84 83`);
        // PA00P015 §13: answer what is not supported with an error, 84 83 = function not possible.
        answer(apdu([0x84, 0x83]));
      }
    };

    link.on('apdu', onApdu);
    transport.on('close', onClose);
    phase = 'send';
    link.send(cmd).then(
      () => {
        if (settled) return;
        p.requestSent = true;
        if (phase === 'send') {
          phase = 'ack';
          armGap(o.ackTimeoutMs, 'T3 (ack)');
        }
      },
      (e: unknown) => {
        const le = e instanceof LinkError ? e : null;
        fail(le?.reason === 'not-connected' ? 'not-connected' : 'link-lost', (e as Error).message);
      },
    );
  });
}
