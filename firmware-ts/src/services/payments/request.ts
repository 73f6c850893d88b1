// A collection request as the tablet sends it, checked and normalised before anything
// is journaled (DESIGN.md non-negotiable 5): integer kuruş only, each line's principal
// plus late fee equal to its total, the lines adding up to the total, the total within
// the configured limit, known revenue types, a valid (then masked) TC/VKN. Pure.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../store/idempotency.js';
import { PaymentError } from './errors.js';
import { checkPayerId } from './payer-id.js';
import type { DebtLine, Payer } from './records.js';

export interface CollectArgs {
  payer: { ref: string; name: string; idNo?: string };
  lines: { revenueType: string; year: number; instalment?: number; principalKurus: number; lateFeeKurus?: number; totalKurus: number }[];
  totalKurus: number;
}

export interface CollectRequest {
  payer: Payer;
  lines: DebtLine[];
  amountKurus: number;
}

export interface RequestRules {
  maxAmountKurus: number;
  revenueTypes: readonly { code: string; name: string }[];
}

function kurus(v: unknown, field: string, min: number): number {
  // The schema already refuses these; checked again for callers that bypass it.
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new PaymentError('INVALID_PAYLOAD', `${field}: must be a whole number of kuruş >= ${min}`, { field });
  }
  return v;
}

export function normalizeCollect(a: CollectArgs, rules: RequestRules): CollectRequest {
  const types = new Map(rules.revenueTypes.map((t) => [t.code, t.name]));
  if (!Array.isArray(a.lines) || a.lines.length === 0) throw new PaymentError('INVALID_PAYLOAD', 'lines: at least one debt line is required', { field: 'lines' });
  const lines: DebtLine[] = a.lines.map((l, i) => {
    const name = types.get(l.revenueType);
    if (name === undefined) {
      throw new PaymentError('UNKNOWN_REVENUE_TYPE', `lines[${i}].revenueType: "${l.revenueType}" is not a configured revenue type`, { field: `lines[${i}].revenueType`, known: [...types.keys()] });
    }
    const principal = kurus(l.principalKurus, `lines[${i}].principalKurus`, 0);
    const lateFee = kurus(l.lateFeeKurus ?? 0, `lines[${i}].lateFeeKurus`, 0);
    const total = kurus(l.totalKurus, `lines[${i}].totalKurus`, 1);
    if (principal + lateFee !== total) {
      throw new PaymentError('TOTAL_MISMATCH', `lines[${i}].totalKurus: ${total} is not principal ${principal} + late fee ${lateFee}`, { field: `lines[${i}].totalKurus`, expected: principal + lateFee });
    }
    return { revenueType: l.revenueType, revenueName: name, year: l.year, instalment: l.instalment ?? null, principalKurus: principal, lateFeeKurus: lateFee, totalKurus: total };
  });
  const total = kurus(a.totalKurus, 'totalKurus', 1);
  const sum = lines.reduce((s, l) => s + l.totalKurus, 0);
  if (sum !== total) throw new PaymentError('TOTAL_MISMATCH', `totalKurus: ${total} is not the sum of the lines (${sum})`, { field: 'totalKurus', expected: sum });
  if (total > rules.maxAmountKurus) {
    throw new PaymentError('AMOUNT_OVER_LIMIT', `totalKurus: ${total} is over the limit of ${rules.maxAmountKurus} kuruş for one collection`, { field: 'totalKurus', max: rules.maxAmountKurus });
  }
  let id: Payer['id'] = null;
  if (a.payer.idNo !== undefined) {
    const c = checkPayerId(a.payer.idNo);
    // The message never repeats the number.
    if (!c.ok) throw new PaymentError('INVALID_PAYER_ID', `payer.idNo: ${c.message}`, { field: 'payer.idNo' });
    id = c.id;
  }
  return { payer: { ref: a.payer.ref.trim(), name: a.payer.name.trim(), id }, lines, amountKurus: total };
}

/** Fingerprint of what was asked, for telling a retry from a different request under a reused id. Over the masked data only. */
export function requestHash(v: unknown): string {
  return createHash('sha256').update(canonicalJson(v)).digest('base64url');
}
