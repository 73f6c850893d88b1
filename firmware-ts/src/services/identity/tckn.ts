// The TC Kimlik No (Turkish national identity number): validation by the official
// checksum and the masked form that is the only one ever printed, shown or logged
// (DESIGN.md non-negotiable 6). The rule is the Nüfus ve Vatandaşlık İşleri Genel
// Müdürlüğü's: 11 digits, the first not 0,
//   d10 = ((d1 + d3 + d5 + d7 + d9) * 7 - (d2 + d4 + d6 + d8)) mod 10
//   d11 = (d1 + ... + d10) mod 10
// Reasons never contain the number itself: a refused number must not reach a reply or a log.
// One module for every service that takes the number (requests, payments' payer id), so the
// rule and the mask cannot drift apart.

export type TcknProblem = 'not-11-digits' | 'leading-zero' | 'check-digit-10' | 'check-digit-11';

export type TcknCheck = { ok: true; tckn: string } | { ok: false; problem: TcknProblem; message: string };

const MESSAGES: Record<TcknProblem, string> = {
  'not-11-digits': 'must be exactly 11 digits',
  'leading-zero': 'must not start with 0',
  'check-digit-10': 'is not a valid TC Kimlik No (the 10th digit, a check digit, does not match)',
  'check-digit-11': 'is not a valid TC Kimlik No (the 11th digit, a check digit, does not match)',
};

/** The two check digits of the first nine digits (d10, d11). */
export function tcknCheckDigits(first9: readonly number[]): [number, number] {
  const d = first9;
  const odd = d[0]! + d[2]! + d[4]! + d[6]! + d[8]!;
  const even = d[1]! + d[3]! + d[5]! + d[7]!;
  // JavaScript's % keeps the sign: (odd*7 - even) is negative for e.g. 100000000.., so normalise.
  const d10 = (((odd * 7 - even) % 10) + 10) % 10;
  const d11 = (d.reduce((a, b) => a + b, 0) + d10) % 10;
  return [d10, d11];
}

/** Validates a TC Kimlik No as typed (surrounding blanks are ignored, nothing else is). */
export function checkTckn(input: string): TcknCheck {
  const s = input.trim();
  const fail = (problem: TcknProblem): TcknCheck => ({ ok: false, problem, message: MESSAGES[problem] });
  if (!/^\d{11}$/.test(s)) return fail('not-11-digits');
  if (s[0] === '0') return fail('leading-zero');
  const d = [...s].map((c) => c.charCodeAt(0) - 48);
  const [d10, d11] = tcknCheckDigits(d.slice(0, 9));
  if (d[9] !== d10) return fail('check-digit-10');
  if (d[10] !== d11) return fail('check-digit-11');
  return { ok: true, tckn: s };
}

export function isValidTckn(input: string): boolean {
  return checkTckn(input).ok;
}

/**
 * The masked form: the first two and the last two digits, "12*******90" (the same form
 * services/payments prints). Two and two rather than three and two: the last two digits
 * are check digits, so every visible digit narrows the number down; with four visible,
 * about 10^5 numbers share a mask (10^4 with five).
 */
export function maskTckn(tckn: string): string {
  return `${tckn.slice(0, 2)}${'*'.repeat(Math.max(0, tckn.length - 4))}${tckn.slice(-2)}`;
}
