// TC Kimlik No (issue 6 "Bad input": wrong length, leading 0, either check digit wrong), its
// mask, and what is stored instead of it (HMAC, optional AES-256-GCM), plus a fuzz run: any
// string is answered without throwing, no answer repeats the input, and every single-digit
// change of a valid number is refused.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../devices/shared/random.js';
import { checkTckn, isValidTckn, maskTckn, tcknCheckDigits } from '../../firmware-ts/src/services/identity/tckn.js';
import { decryptTckn, encryptTckn, keyId, parseAesKey, tcknHmac } from '../../firmware-ts/src/services/requests/kvkk-crypto.js';

/** A valid number from nine random digits (the first not 0). */
function randomTckn(rnd: () => number): string {
  const d = [1 + Math.floor(rnd() * 9), ...Array.from({ length: 8 }, () => Math.floor(rnd() * 10))];
  return [...d, ...tcknCheckDigits(d)].join('');
}

describe('TC Kimlik No validation', () => {
  it('accepts numbers with both check digits right', () => {
    expect(checkTckn('10000000146')).toEqual({ ok: true, tckn: '10000000146' });
    expect(isValidTckn(' 10000000146 ')).toBe(true);
    // A number whose d10 sum goes negative before the modulo: (odd*7 - even) < 0.
    const d = [1, 9, 0, 9, 0, 9, 0, 9, 0];
    const n = [...d, ...tcknCheckDigits(d)].join('');
    expect(tcknCheckDigits(d)[0]).toBe(((((1 + 0 + 0 + 0 + 0) * 7 - 36) % 10) + 10) % 10);
    expect(isValidTckn(n)).toBe(true);
  });

  it.each([
    ['1000000014', 'not-11-digits'],
    ['100000001466', 'not-11-digits'],
    ['1000000014a', 'not-11-digits'],
    ['100 0000 0146', 'not-11-digits'],
    ['', 'not-11-digits'],
    ['01000000146', 'leading-zero'],
    ['10000000156', 'check-digit-10'],
    ['10000000147', 'check-digit-11'],
  ])('refuses %j (%s) without repeating it', (input, problem) => {
    const r = checkTckn(input);
    expect(r).toMatchObject({ ok: false, problem });
    if (!r.ok && input.length > 3) expect(r.message).not.toContain(input.trim());
  });

  it('masks to the first two and last two digits', () => {
    expect(maskTckn('10000000146')).toBe('10*******46');
  });

  it('fuzz: random strings never throw; single-digit changes of valid numbers are always refused', () => {
    const rnd = seededRandom(6);
    const alphabet = '0123456789 -+aİ٣';
    for (let i = 0; i < 20_000; i++) {
      const len = Math.floor(rnd() * 14);
      const s = Array.from({ length: len }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      const r = checkTckn(s);
      if (r.ok) expect(s.trim()).toMatch(/^[1-9]\d{10}$/);
      else if (s.trim().length >= 4) expect(r.message).not.toContain(s.trim());
    }
    for (let i = 0; i < 5_000; i++) {
      const t = randomTckn(rnd);
      expect(isValidTckn(t)).toBe(true);
      const pos = Math.floor(rnd() * 11);
      const digit = (Number(t[pos]) + 1 + Math.floor(rnd() * 9)) % 10;
      const changed = t.slice(0, pos) + String(digit) + t.slice(pos + 1);
      expect(isValidTckn(changed), `${t} -> ${changed}`).toBe(false);
    }
  });
});

describe('what is stored instead of the number', () => {
  const key = Buffer.alloc(32, 7);

  it('HMAC-SHA256 under the key: the same person matches, another key does not, the number is not in it', () => {
    const a = tcknHmac(key, '10000000146');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(tcknHmac(key, '10000000146')).toBe(a);
    expect(tcknHmac(Buffer.alloc(32, 8), '10000000146')).not.toBe(a);
    expect(tcknHmac(key, randomTckn(seededRandom(1)))).not.toBe(a);
    expect(keyId(key)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('AES-256-GCM: decrypts with the key, fails when altered or with another key', () => {
    const e = encryptTckn(key, '10000000146');
    expect(e).toMatchObject({ alg: 'A256GCM', kid: keyId(key) });
    expect(JSON.stringify(e)).not.toContain('10000000146');
    expect(decryptTckn(key, e)).toBe('10000000146');
    expect(encryptTckn(key, '10000000146').iv).not.toBe(e.iv);
    expect(() => decryptTckn(Buffer.alloc(32, 1), e)).toThrow();
    const ct = Buffer.from(e.ct, 'base64');
    ct[0]! ^= 1;
    expect(() => decryptTckn(key, { ...e, ct: ct.toString('base64') })).toThrow();
  });

  it('parses the configured key: 32 bytes of base64 only', () => {
    expect(parseAesKey(Buffer.alloc(32, 3).toString('base64'))).toEqual(Buffer.alloc(32, 3));
    expect(parseAesKey(Buffer.alloc(16, 3).toString('base64'))).toBeNull();
    expect(parseAesKey('not a key')).toBeNull();
  });
});
