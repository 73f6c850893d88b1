// Turkish number words for the makbuz total ("Yalnız ... TL ... Kr") and the payer-id
// checks (TC Kimlik No / VKN checksum, masking): the rules a receipt is read by.
import { describe, expect, it } from 'vitest';
import { amountInWords, numberToTurkishWords } from '../../firmware-ts/src/services/payments/words.js';
import { isValidTckn } from '../../firmware-ts/src/services/identity/tckn.js';
import { checkPayerId, isValidVkn, maskId } from '../../firmware-ts/src/services/payments/payer-id.js';
import { formatKurus, istanbulDateTime, istanbulDay } from '../../firmware-ts/src/services/payments/money.js';

describe('numberToTurkishWords', () => {
  const cases: [number, string][] = [
    [0, 'sıfır'],
    [1, 'bir'],
    [2, 'iki'],
    [9, 'dokuz'],
    [10, 'on'],
    [11, 'on bir'],
    [19, 'on dokuz'],
    [20, 'yirmi'],
    [45, 'kırk beş'],
    [60, 'altmış'],
    [99, 'doksan dokuz'],
    [100, 'yüz'],
    [101, 'yüz bir'],
    [110, 'yüz on'],
    [200, 'iki yüz'],
    [999, 'dokuz yüz doksan dokuz'],
    [1000, 'bin'],
    [1001, 'bin bir'],
    [1100, 'bin yüz'],
    [1999, 'bin dokuz yüz doksan dokuz'],
    [2000, 'iki bin'],
    [10_000, 'on bin'],
    [11_000, 'on bir bin'],
    [100_000, 'yüz bin'],
    [101_000, 'yüz bir bin'],
    [999_999, 'dokuz yüz doksan dokuz bin dokuz yüz doksan dokuz'],
    [1_000_000, 'bir milyon'],
    [1_001_000, 'bir milyon bin'],
    [1_000_001, 'bir milyon bir'],
    [2_500_000, 'iki milyon beş yüz bin'],
    [1_000_000_000, 'bir milyar'],
    [1_234_567_890, 'bir milyar iki yüz otuz dört milyon beş yüz altmış yedi bin sekiz yüz doksan'],
    [1_000_000_000_000, 'bir trilyon'],
    [9_007_199_254_740_991, 'dokuz katrilyon yedi trilyon yüz doksan dokuz milyar iki yüz elli dört milyon yedi yüz kırk bin dokuz yüz doksan bir'],
  ];
  it.each(cases)('%d -> %s', (n, words) => {
    expect(numberToTurkishWords(n)).toBe(words);
  });

  it('never writes "bir yüz" or "bir bin"', () => {
    for (let n = 0; n <= 2_000_000; n += 37) {
      const w = numberToTurkishWords(n);
      // "bir yüz" never (the hundreds digit is alone); "bir bin" only as part of a larger group ("on bir bin").
      expect(w).not.toMatch(/(^| )bir yüz/);
      expect(w).not.toMatch(/(^|milyon )bir bin/);
      if (n >= 1000 && n < 2000) expect(w.startsWith('bin')).toBe(true);
    }
  });

  it('refuses what is not a whole non-negative number', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) expect(() => numberToTurkishWords(bad)).toThrow(RangeError);
  });
});

describe('amountInWords (kuruş)', () => {
  const cases: [number, string][] = [
    [0, 'Yalnız sıfır TL'],
    [1, 'Yalnız sıfır TL bir Kr'],
    [50, 'Yalnız sıfır TL elli Kr'],
    [100, 'Yalnız bir TL'],
    [1000, 'Yalnız on TL'],
    [1100, 'Yalnız on bir TL'],
    [10_000, 'Yalnız yüz TL'],
    [12_345, 'Yalnız yüz yirmi üç TL kırk beş Kr'],
    [100_000, 'Yalnız bin TL'],
    [156_240, 'Yalnız bin beş yüz altmış iki TL kırk Kr'],
    [100_000_000, 'Yalnız bir milyon TL'],
    [100_000_099, 'Yalnız bir milyon TL doksan dokuz Kr'],
  ];
  it.each(cases)('%d kuruş -> %s', (k, words) => {
    expect(amountInWords(k)).toBe(words);
  });
  it('refuses floats and negatives', () => {
    expect(() => amountInWords(12.5)).toThrow(RangeError);
    expect(() => amountInWords(-100)).toThrow(RangeError);
  });
});

describe('money formatting and the Istanbul day', () => {
  it('formats kuruş with Turkish grouping', () => {
    expect(formatKurus(0)).toBe('0,00 TL');
    expect(formatKurus(5)).toBe('0,05 TL');
    expect(formatKurus(123_456)).toBe('1.234,56 TL');
    expect(formatKurus(100_000_000)).toBe('1.000.000,00 TL');
    expect(formatKurus(-2_500)).toBe('-25,00 TL');
  });
  it('uses Istanbul (+03:00) for the day and the printed time', () => {
    const t = Date.parse('2026-11-28T21:30:00Z'); // 00:30 on the 29th in Istanbul
    expect(istanbulDay(t)).toBe('2026-11-29');
    expect(istanbulDateTime(t)).toBe('29.11.2026 00:30');
  });
});

describe('payer id (KVKK)', () => {
  it('validates TC Kimlik No checksums', () => {
    expect(isValidTckn('10000000146')).toBe(true);
    expect(isValidTckn('12345678950')).toBe(true);
    expect(isValidTckn('12345678951')).toBe(false); // last digit
    expect(isValidTckn('12345678940')).toBe(false); // tenth digit
    expect(isValidTckn('02345678950')).toBe(false); // leading zero
    expect(isValidTckn('1234567895')).toBe(false);
  });
  it('validates VKN checksums', () => {
    expect(isValidVkn('1234567890')).toBe(true);
    expect(isValidVkn('0000000001')).toBe(true);
    expect(isValidVkn('1234567891')).toBe(false);
    expect(isValidVkn('0000000000')).toBe(false);
  });
  it('masks all but two digits at each end', () => {
    expect(maskId('10000000146')).toBe('10*******46');
    expect(maskId('1234567890')).toBe('12******90');
  });
  it('returns only the mask, for clear and masked input', () => {
    expect(checkPayerId('10000000146')).toEqual({ ok: true, id: { kind: 'tckn', masked: '10*******46' } });
    expect(checkPayerId('1234567890')).toEqual({ ok: true, id: { kind: 'vkn', masked: '12******90' } });
    expect(checkPayerId('10*******46')).toEqual({ ok: true, id: { kind: 'tckn', masked: '10*******46' } });
  });
  it('refuses bad numbers and masks that show too much, without echoing them', () => {
    for (const bad of ['10000000147', '1234567891', '1000000014*', 'abc', '']) {
      const r = checkPayerId(bad);
      expect(r.ok).toBe(false);
      if (!r.ok && bad.length > 3) expect(r.message).not.toContain(bad);
    }
  });
});
