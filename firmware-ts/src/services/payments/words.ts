// Amounts in Turkish words for the tahsilat makbuzu ("Yalnız yüz yirmi üç TL kırk beş Kr"):
// a receipt states its total in figures and in words so that a figure cannot be altered
// unnoticed. Turkish rules: "yüz" and "bin" take no "bir" before them (100 is "yüz",
// 1000 is "bin", 1100 "bin yüz") but larger scales do ("bir milyon"), and the words of
// a group are written in the order hundreds, tens, ones.

const ONES = ['', 'bir', 'iki', 'üç', 'dört', 'beş', 'altı', 'yedi', 'sekiz', 'dokuz'];
const TENS = ['', 'on', 'yirmi', 'otuz', 'kırk', 'elli', 'altmış', 'yetmiş', 'seksen', 'doksan'];
/** Scales of 10^3 groups: "", bin, milyon, milyar, trilyon, katrilyon (short scale, as Turkish uses). */
const SCALES = ['', 'bin', 'milyon', 'milyar', 'trilyon', 'katrilyon'];

/** 1..999 as words, e.g. 115 -> ["yüz", "on", "beş"]. */
function group(n: number): string[] {
  const h = Math.floor(n / 100);
  const t = Math.floor((n % 100) / 10);
  const o = n % 10;
  const out: string[] = [];
  if (h > 0) out.push(...(h === 1 ? [] : [ONES[h]!]), 'yüz');
  if (t > 0) out.push(TENS[t]!);
  if (o > 0) out.push(ONES[o]!);
  return out;
}

/** A whole number 0 .. Number.MAX_SAFE_INTEGER in Turkish words, separated by spaces. */
export function numberToTurkishWords(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`numberToTurkishWords: ${n} is not a whole number 0..${Number.MAX_SAFE_INTEGER}`);
  if (n === 0) return 'sıfır';
  const words: string[] = [];
  let rest = n;
  const groups: number[] = [];
  while (rest > 0) {
    groups.push(rest % 1000);
    rest = Math.floor(rest / 1000);
  }
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i]!;
    if (g === 0) continue;
    // "bin", never "bir bin"; but "bir milyon", "bir milyar".
    if (!(i === 1 && g === 1)) words.push(...group(g));
    if (i > 0) words.push(SCALES[i]!);
  }
  return words.join(' ');
}

/**
 * A kuruş amount as the receipt writes it: "Yalnız yüz yirmi üç TL kırk beş Kr".
 * The lira part is always written (also "sıfır TL"); the kuruş part only when not zero.
 */
export function amountInWords(kurus: number): string {
  if (!Number.isSafeInteger(kurus) || kurus < 0) throw new RangeError(`amountInWords: ${kurus} is not a whole number of kuruş`);
  const lira = Math.floor(kurus / 100);
  const kr = kurus % 100;
  return `Yalnız ${numberToTurkishWords(lira)} TL${kr > 0 ? ` ${numberToTurkishWords(kr)} Kr` : ''}`;
}
