// The receipt printed for the citizen (issue 6 "Receipt"): the municipality, "BAŞVURU ALINDI
// BELGESİ", the tracking number, type, subject, date and time, the legal answer date, the
// masked TC Kimlik No and phone when given (never the clear ones, DESIGN.md non-negotiable 6),
// a QR to look the request up, and the KVKK notice line with the notice version.
// Turkish, upper-cased the Turkish way (the printer renderer's `upper` uses tr-TR).
import { DocumentBuilder, type PrintDocument } from '../../drivers/printer/render.js';
import { istanbulDateTime } from '../queue/ticket-print.js';
import { maskPhone } from './phone.js';
import type { RequestRecord } from './record.js';
import { trDate } from './sms-text.js';

export interface ReceiptContext {
  municipality: string;
  vehicleName: string;
  trackingUrl: string | null;
  noticeLine: string;
}

/** The QR's content: the tracking URL with {tracking} filled in (or /<tracking> appended), else the number itself. */
export function trackingLink(url: string | null, tracking: string): string {
  if (url === null) return tracking;
  if (url.includes('{tracking}')) return url.replace('{tracking}', encodeURIComponent(tracking));
  return `${url.replace(/\/+$/, '')}/${encodeURIComponent(tracking)}`;
}

/** The legal answer time the due date comes from, in words a citizen can check. */
function lawText(r: RequestRecord): string {
  return r.due.rule === 'bilgi_edinme' ? `Yasal süre: ${r.due.days} iş günü (4982 sayılı Kanun md.11)` : `Yasal süre: ${r.due.days} gün (3071 sayılı Kanun md.7)`;
}

/** What a reprint is marked with (the same words as a payment's makbuz copy). */
export const COPY_NOTE = 'NÜSHA (tekrar basım)';

/** The citizen's receipt; `copyNote` marks a reprint, so two papers never pass for two requests. */
export function receiptDocument(r: RequestRecord, ctx: ReceiptContext, copyNote?: string): PrintDocument {
  const b = new DocumentBuilder(`receipt ${r.trackingNumber}${copyNote ? ' (copy)' : ''}`)
    .text(ctx.municipality, { align: 'center', bold: true, upper: true })
    .text(ctx.vehicleName, { align: 'center' })
    .rule()
    .text('Başvuru alındı belgesi', { align: 'center', bold: true, upper: true });
  if (copyNote) b.text(copyNote, { align: 'center', bold: true });
  b.rule()
    .text('Takip numarası', { align: 'center' })
    .text(r.trackingNumber, { align: 'center', bold: true })
    .rule()
    .pair('Başvuru türü', r.type.label)
    .pair('Kategori', r.category.label)
    .pair('İlgili kurum', r.authority.departmentLabel ?? r.authority.label)
    .text(`Konu: ${r.subject}`)
    .pair('Tarih', istanbulDateTime(Date.parse(r.receivedAt)));
  if (r.due.date !== null) b.pair('Son cevap tarihi', trDate(r.due.date)).text(lawText(r), { align: 'right' });
  if (r.citizen.tckn) b.pair('T.C. Kimlik No', r.citizen.tckn.masked);
  if (r.citizen.phone) b.pair('Telefon', maskPhone(r.citizen.phone));
  if (r.photos.length) b.pair('Fotoğraf', `${r.photos.length} adet`);
  return b
    .rule()
    .qr(trackingLink(ctx.trackingUrl, r.trackingNumber))
    .text('Başvurunuzu bu numara ile sorgulayabilirsiniz.', { align: 'center' })
    .rule()
    .text(`${ctx.noticeLine} Aydınlatma metni sürümü: ${r.kvkk.noticeVersion}.`)
    .feed(2)
    .build();
}
