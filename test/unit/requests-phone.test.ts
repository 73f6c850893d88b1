// Turkish phone numbers (issue 6 "Bad input": a number that is not a Turkish mobile or
// landline): the spellings staff type, E.164 out, the receipt mask, and a fuzz run.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../devices/shared/random.js';
import { checkPhone, maskPhone } from '../../firmware-ts/src/services/requests/phone.js';

describe('Turkish phone numbers', () => {
  it.each([
    ['0532 123 45 67', '+905321234567', 'mobile'],
    ['05321234567', '+905321234567', 'mobile'],
    ['532 123 45 67', '+905321234567', 'mobile'],
    ['+90 532 123 45 67', '+905321234567', 'mobile'],
    ['+90 (532) 123-45-67', '+905321234567', 'mobile'],
    ['0090 532 123 4567', '+905321234567', 'mobile'],
    ['90 532 123 45 67', '+905321234567', 'mobile'],
    ['0 (224) 713 10 50', '+902247131050', 'landline'],
    ['0212.555.12.34', '+902125551234', 'landline'],
    ['+90 216 555 12 34', '+902165551234', 'landline'],
  ])('%j -> %s (%s)', (input, e164, kind) => {
    expect(checkPhone(input)).toEqual({ ok: true, phone: { e164, kind } });
  });

  it.each(['0850 222 00 00', '0800 211 00 00', '444 1 234', '0532 123 45 6', '0532 123 45 678', '+49 30 1234567', '0299 123 45 67', '0224 013 10 50', 'beş yüz', ''])(
    'refuses %j without repeating it',
    (input) => {
      const r = checkPhone(input);
      expect(r.ok).toBe(false);
      if (!r.ok && input.replace(/\D/g, '').length > 3) expect(r.message).not.toContain(input.replace(/\D/g, ''));
    },
  );

  it('masks for receipts', () => {
    expect(maskPhone('+905321234567')).toBe('+90 532 *** ** 67');
    expect(maskPhone('+902247131050')).toBe('+90 224 *** ** 50');
  });

  it('fuzz: never throws, and what it accepts is +90 and ten digits', () => {
    const rnd = seededRandom(90);
    const alphabet = '0123456789 +-().5';
    for (let i = 0; i < 30_000; i++) {
      const s = Array.from({ length: Math.floor(rnd() * 18) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      const r = checkPhone(s);
      if (r.ok) expect(r.phone.e164).toMatch(/^\+90[2-5]\d{9}$/);
    }
  });
});
