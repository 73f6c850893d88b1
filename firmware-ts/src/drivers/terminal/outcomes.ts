// From exchange outcomes to the PaymentTerminal port's results and errors, and the
// framing a config implies. Pure functions; the driver adds counters and logs.
import { ExchangeError, type ExchangeOutcome } from './exchange.js';
import type { TerminalConfig } from './options.js';
import { TerminalError, type CardTransaction, type EndOfDayResult, type TerminalOp, type UnknownOutcome } from './payment-terminal.js';
import { intermediateText, resultText } from './texts.js';
import { decodeTransaction } from './transaction.js';
import type { Framing } from './zvt-link.js';

export function framingFor(config: Pick<TerminalConfig, 'port' | 'framing'>): Framing {
  if (config.framing !== 'auto') return config.framing;
  if (config.port.startsWith('serial:')) return 'serial';
  if (config.port.startsWith('sim:')) return new URL(config.port).searchParams.get('framing') === 'serial' ? 'serial' : 'tcp';
  return 'tcp';
}

/** What is known when a money operation broke off after its request may have reached the terminal. */
export function unknownOutcome(op: TerminalOp, e: ExchangeError, info: CardTransaction | null): UnknownOutcome {
  const p = e.progress;
  return {
    outcome: 'unknown', code: 'UNKNOWN_OUTCOME', op, message: e.message,
    phase: p.statusInfos.length > 0 ? 'after-status' : p.accepted ? 'running' : 'ack',
    known: { requestSent: p.requestSent, accepted: p.accepted, statusInfo: info, statusAcknowledged: p.statusAcknowledged, lastProgress: p.lastIntermediate === null ? null : intermediateText(p.lastIntermediate) },
  };
}

export function asTerminalError(e: unknown): Error {
  if (e instanceof TerminalError) return e;
  if (!(e instanceof ExchangeError)) return e as Error;
  const code = e.reason === 'not-connected' ? 'NOT_CONNECTED' : e.reason === 'timeout' ? 'TIMEOUT' : e.reason === 'protocol' ? 'PROTOCOL' : 'LINK_LOST';
  return new TerminalError(code, e.message, { phase: e.phase });
}

/** End of day (PA00P015 §2.16): status information after end of day carries the result and the total (§3.1.3). */
export function endOfDayResult(r: ExchangeOutcome): EndOfDayResult {
  if (r.kind === 'refused') return { ok: false, resultCode: r.code, message: resultText(r.code), totalKurus: null, receipt: [] };
  if (r.kind === 'aborted') return { ok: false, resultCode: r.resultCode, message: resultText(r.resultCode), totalKurus: null, receipt: r.receipt };
  if (r.kind !== 'completed') throw new TerminalError('PROTOCOL', 'end of day ended without completion');
  const tx = r.statusInfos.length > 0 ? decodeTransaction(r.statusInfos[r.statusInfos.length - 1]!) : null;
  const code = tx?.resultCode ?? 0;
  return { ok: code === 0, resultCode: code, message: resultText(code), totalKurus: tx?.amountKurus ?? null, receipt: r.receipt };
}
