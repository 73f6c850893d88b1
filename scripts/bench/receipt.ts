// Issue 4's printer bench row: render-to-bytes time for a full tahsilat makbuzu
// (collection receipt) with a QR code, as the payments service will print it: the
// municipality header, the receipt title, payer and debt lines in two columns, the
// total in figures and in words, a QR code with Turkish text, a CODE128 barcode and
// two copies (the citizen's and the municipality's). What is timed is
// renderDocument(): layout, CP857 encoding, ESC/POS building. Sending is not timed.
// Speed is renders per second of wall time, best of 5 rounds after a warm-up.
import { renderDocument, DocumentBuilder, type PrintDocument, type PrinterProfile } from '../../firmware-ts/src/drivers/printer/render.js';

const ROUNDS = 5;
const PER_ROUND = 2_000;

const ONES = ['', 'bir', 'iki', 'üç', 'dört', 'beş', 'altı', 'yedi', 'sekiz', 'dokuz'];
const TENS = ['', 'on', 'yirmi', 'otuz', 'kırk', 'elli', 'altmış', 'yetmiş', 'seksen', 'doksan'];

/** Turkish number words ("bin iki yüz elli"), as receipts write amounts ("yalnız ... TL"). */
export function sayıYazıyla(n: number): string {
  if (n === 0) return 'sıfır';
  const hundreds = (x: number): string => {
    const h = Math.floor(x / 100);
    const rest = x % 100;
    return [h === 0 ? '' : h === 1 ? 'yüz' : `${ONES[h]} yüz`, TENS[Math.floor(rest / 10)], ONES[rest % 10]].filter(Boolean).join(' ');
  };
  const parts: string[] = [];
  const millions = Math.floor(n / 1_000_000);
  const thousands = Math.floor((n % 1_000_000) / 1000);
  if (millions) parts.push(`${hundreds(millions)} milyon`);
  if (thousands) parts.push(thousands === 1 ? 'bin' : `${hundreds(thousands)} bin`);
  if (n % 1000) parts.push(hundreds(n % 1000));
  return parts.join(' ');
}

const tl = (kurus: number): string =>
  `${Math.floor(kurus / 100).toLocaleString('tr-TR')},${String(kurus % 100).padStart(2, '0')} ₺`;

export function tahsilatMakbuzu(): PrintDocument {
  const lines: [string, number][] = [
    ['Emlak vergisi 2026 / 1. taksit', 125_000],
    ['Çevre temizlik vergisi 2026 / 1. yarı', 31_240],
    ['İlan ve reklam vergisi (Cuma pazarı)', 18_000],
    ['Gecikme zammı', 2_315],
    ['Ecrimisil (işgaliye) bedeli', 45_000],
  ];
  const total = lines.reduce((s, [, k]) => s + k, 0);
  const b = new DocumentBuilder('tahsilat makbuzu 2026-000142')
    .text('T.C.', { align: 'center' })
    .text('İNEGÖL BELEDİYESİ', { align: 'center', bold: true, size: 'double' })
    .text('Mali Hizmetler Müdürlüğü', { align: 'center' })
    .text('TAHSİLAT MAKBUZU', { align: 'center', bold: true, invert: true })
    .rule('=')
    .pair('Makbuz no', '2026-000142')
    .pair('Tarih', '28.11.2026 14:32')
    .pair('Tahsilat yeri', 'VİM aracı / Cerrah Mah.')
    .pair('Ödeyen', 'Gülşen Çağlayan Öztürk')
    .pair('T.C. Kimlik No', '1234*****90')
    .pair('Sicil no', '004-118-2231')
    .rule();
  for (const [name, k] of lines) b.pair(name, tl(k));
  b.rule()
    .pair('TOPLAM', tl(total), { bold: true, size: 'double-height' })
    .text(`Yalnız ${sayıYazıyla(Math.floor(total / 100))} Türk lirası ${sayıYazıyla(total % 100)} kuruş.`)
    .pair('Ödeme şekli', 'Kredi kartı (****1234)')
    .pair('Tahsildar', 'Şükrü Işıkoğlu')
    .feed()
    .qr(`https://e.inegol.bel.tr/makbuz/2026-000142?tutar=${total}&ödeyen=Gülşen Çağlayan Öztürk`)
    .barcode('TAH2026000142')
    .text('Bu belge 5018 sayılı Kamu Mali Yönetimi ve Kontrol Kanunu uyarınca düzenlenmiştir. Ödemeniz için teşekkür ederiz.', { align: 'center' });
  return b.build();
}

export async function benchReceiptRender(): Promise<{ rendersPerS: number; usPerRender: number; bytes: number }> {
  const doc = tahsilatMakbuzu();
  const profile: PrinterProfile = { type: 'epson', codePage: 'CP857', widthChars: 48 };
  let bytes = 0;
  for (let i = 0; i < 200; i++) bytes = renderDocument(doc, profile, 2).bytes.length; // warm-up
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < PER_ROUND; i++) bytes = renderDocument(doc, profile, 2).bytes.length;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e3 / PER_ROUND);
    await new Promise((res) => setImmediate(res)); // let the event loop breathe between rounds
  }
  return { rendersPerS: Math.round(1e6 / best), usPerRender: Math.round(best * 10) / 10, bytes };
}
