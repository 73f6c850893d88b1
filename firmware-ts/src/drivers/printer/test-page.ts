// The test page (`vimgw print test`): every Turkish letter, the styles, both layouts'
// ruler, a two-column line, a QR code with Turkish text and a CODE128 barcode, so a
// crew can see at a glance whether the code page and the paper width are right.
import { DocumentBuilder, type PrintDocument, type PrinterProfile } from './render.js';

export const TURKISH_LETTERS = 'ÇçĞğİıÖöŞşÜü';

export function testPage(printer: string, profile: PrinterProfile, at: Date = new Date()): PrintDocument {
  const cols = profile.widthChars;
  const ruler = Array.from({ length: cols }, (_, i) => String((i + 1) % 10)).join('');
  return new DocumentBuilder('test page')
    .text('İNEGÖL BELEDİYESİ', { align: 'center', bold: true, size: 'double' })
    .text('Yazıcı deneme sayfası', { align: 'center' })
    .rule('=')
    .pair('Yazıcı', printer)
    .pair('Tür / kod sayfası', `${profile.type} / ${profile.codePage}`)
    .pair('Genişlik', `${cols} karakter`)
    .pair('Tarih', at.toISOString().slice(0, 19).replace('T', ' '))
    .rule()
    .text(ruler)
    .text(`Türkçe: ${TURKISH_LETTERS}`)
    .text('büyük harf: istanbul ığdır', { upper: true })
    .text('Kalın', { bold: true })
    .text('Altı çizili', { underline: true })
    .text('Ters renk', { invert: true })
    .text('Çift yükseklik', { size: 'double-height' })
    .text('Sağa yaslı', { align: 'right' })
    .pair('Tutar', '1.234,50 ₺', { bold: true })
    .rule()
    .qr('https://www.inegol.bel.tr/ — Şikâyet ve öneri: ĞÜŞİÖÇ ğüşıöç')
    .barcode('VIM-TEST-0001')
    .text('Deneme sayfası sonu', { align: 'center' })
    .build();
}
