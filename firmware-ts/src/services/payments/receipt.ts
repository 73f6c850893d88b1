// The printed documents of Mobil Tahsilat (issue 7): the tahsilat makbuzu, the slip
// for a void or refund, and the end-of-day report. Turkish, CP857-printable; the payer
// id only masked, the card only masked. A PrintDocument is plain data: the printer
// driver renders and queues it durably (a printer out of paper keeps it).
import { DocumentBuilder, type PrintDocument } from '../../drivers/printer/render.js';
import type { OpView, PaymentView } from './book.js';
import { formatKurus, istanbulDateTime } from './money.js';
import type { BatchTotals, CardData } from './records.js';
import { amountInWords } from './words.js';

export interface ReceiptContext {
  municipality: string;
  unit: string;
  verifyUrl?: string;
}

export const makbuzNo = (r: { series: string; number: number }): string => `${r.series}-${String(r.number).padStart(6, '0')}`;

function period(l: PaymentView['lines'][number]): string {
  return l.instalment === null ? `${l.year}` : `${l.year}/${l.instalment}. taksit`;
}

/** What the QR holds: a link to the municipality's receipt check, or the same facts as text. No personal data. */
export function verificationData(p: PaymentView, ctx: ReceiptContext): string {
  const no = p.receipt ? makbuzNo(p.receipt) : 'YOK';
  if (ctx.verifyUrl) {
    const q = new URLSearchParams({ seri: p.receipt?.series ?? '', no: String(p.receipt?.number ?? ''), tutar: String(p.amountKurus), k: p.paymentId });
    return `${ctx.verifyUrl}${ctx.verifyUrl.includes('?') ? '&' : '?'}${q.toString()}`;
  }
  return `TAHSILAT|${p.place.vehicleId}|${no}|${p.amountKurus}|${new Date(p.sale.settledAt ?? p.startedAt).toISOString()}|${p.paymentId}`;
}

function header(b: DocumentBuilder, ctx: ReceiptContext, title: string): DocumentBuilder {
  return b
    .text('T.C.', { align: 'center' })
    .text(ctx.municipality, { align: 'center', bold: true, size: 'double', upper: true })
    .text(ctx.unit, { align: 'center' })
    .text(title, { align: 'center', bold: true, invert: true });
}

function card(b: DocumentBuilder, c: CardData | null): void {
  b.pair('Ödeme şekli', `Kredi/banka kartı${c?.cardName ? ` (${c.cardName})` : ''}`);
  b.pair('Kart no', c?.maskedPan ?? '-');
  b.pair('Onay kodu', c?.approvalCode ?? '-');
  b.pair('İşlem no (iz / fiş)', `${c?.trace ?? '-'} / ${c?.receiptNo ?? '-'}`);
  b.pair('Terminal no', c?.terminalId ?? '-');
}

/** The tahsilat makbuzu of an approved payment; `copyNote` marks a reprint. */
export function makbuzDocument(p: PaymentView, ctx: ReceiptContext, copyNote?: string): PrintDocument {
  const no = p.receipt ? makbuzNo(p.receipt) : '-';
  const b = header(new DocumentBuilder(`tahsilat makbuzu ${no}`), ctx, 'TAHSİLAT MAKBUZU');
  if (copyNote) b.text(copyNote, { align: 'center', bold: true });
  b.rule('=')
    .pair('Seri / sıra no', p.receipt ? `${p.receipt.series} / ${String(p.receipt.number).padStart(6, '0')}` : '-')
    .pair('Tarih', istanbulDateTime(p.sale.settledAt ?? p.startedAt))
    .pair('Tahsilat yeri', p.place.name ? `${p.place.vehicleName} / ${p.place.name}` : p.place.vehicleName)
    .pair('Tahsildar', p.collector)
    .rule()
    .pair('Ödeyen', p.payer.name)
    .pair(p.payer.id?.kind === 'vkn' ? 'Vergi Kimlik No' : 'T.C. Kimlik No', p.payer.id?.masked ?? '-')
    .pair('Sicil / abone no', p.payer.ref)
    .rule();
  for (const l of p.lines) {
    b.pair(`${l.revenueName} ${period(l)}`, formatKurus(l.totalKurus));
    if (l.lateFeeKurus > 0) b.text(`  Asıl ${formatKurus(l.principalKurus)} + gecikme zammı ${formatKurus(l.lateFeeKurus)}`);
  }
  b.rule().pair('TOPLAM', formatKurus(p.amountKurus), { bold: true, size: 'double-height' }).text(`${amountInWords(p.amountKurus)}.`).rule();
  card(b, p.sale.card);
  const voided = p.voids.find((v) => v.status === 'approved');
  if (voided) b.rule().text(`İPTAL EDİLDİ ${istanbulDateTime(voided.settledAt ?? voided.startedAt)}`, { align: 'center', bold: true });
  for (const r of p.refunds.filter((x) => x.status === 'approved')) b.text(`İade ${formatKurus(r.amountKurus)} ${istanbulDateTime(r.settledAt ?? r.startedAt)}`, { align: 'center' });
  return b
    .feed()
    .qr(verificationData(p, ctx))
    .text('Makbuzu karekod ile doğrulayabilirsiniz.', { align: 'center' })
    .text('Ödemeniz için teşekkür ederiz.', { align: 'center' })
    .feed(2)
    .build();
}

/** The slip for an approved void (same-day reversal) or refund of a payment. */
export function adjustmentDocument(p: PaymentView, op: OpView, ctx: ReceiptContext): PrintDocument {
  const title = op.kind === 'void' ? 'TAHSİLAT İPTAL BELGESİ' : 'İADE BELGESİ';
  const no = p.receipt ? makbuzNo(p.receipt) : '-';
  const b = header(new DocumentBuilder(`${op.kind === 'void' ? 'iptal' : 'iade'} ${no}`), ctx, title)
    .rule('=')
    .pair('Makbuz', no)
    .pair('Makbuz tarihi', istanbulDateTime(p.sale.settledAt ?? p.startedAt))
    .pair('İşlem tarihi', istanbulDateTime(op.settledAt ?? op.startedAt))
    .pair('Ödeyen', p.payer.name)
    .pair(p.payer.id?.kind === 'vkn' ? 'Vergi Kimlik No' : 'T.C. Kimlik No', p.payer.id?.masked ?? '-')
    .rule()
    .pair(op.kind === 'void' ? 'İptal edilen tutar' : 'İade tutarı', formatKurus(op.amountKurus), { bold: true })
    .text(`${amountInWords(op.amountKurus)}.`)
    .pair('Gerekçe', op.reason ?? '-')
    .pair('Onaylayan', op.by ?? '-')
    .rule();
  card(b, op.card);
  return b.feed(2).build();
}

export interface EndOfDayReportData {
  at: number;
  vehicleName: string;
  terminal: { ok: boolean; message: string; totalKurus: number | null; terminalId: string | null };
  journal: BatchTotals;
  differenceKurus: number | null;
  needsReview: { paymentId: string; kind: string; amountKurus: number; message: string | null }[];
}

/** The end-of-day report: the terminal's batch total against the journal's, and what needs review. */
export function endOfDayDocument(r: EndOfDayReportData, ctx: ReceiptContext): PrintDocument {
  const j = r.journal;
  const b = header(new DocumentBuilder(`gün sonu ${istanbulDateTime(r.at)}`), ctx, 'GÜN SONU RAPORU')
    .rule('=')
    .pair('Tarih', istanbulDateTime(r.at))
    .pair('Araç', r.vehicleName)
    .pair('Terminal no', r.terminal.terminalId ?? '-')
    .pair('Terminal gün sonu', r.terminal.ok ? 'tamam' : `başarısız: ${r.terminal.message}`)
    .rule()
    .pair(`Satış (${j.sales.count} adet)`, formatKurus(j.sales.kurus))
    .pair(`İptal (${j.voids.count} adet)`, formatKurus(-j.voids.kurus))
    .pair(`İade (${j.refunds.count} adet)`, formatKurus(-j.refunds.kurus))
    .pair('Kayıtlara göre net', formatKurus(j.netKurus), { bold: true })
    .pair('Terminale göre net', r.terminal.totalKurus === null ? '-' : formatKurus(r.terminal.totalKurus), { bold: true })
    .rule();
  if (r.differenceKurus === 0) b.text('MUTABAKAT TAMAM', { align: 'center', bold: true });
  else b.text(r.differenceKurus === null ? 'MUTABAKAT YAPILAMADI' : `FARK VAR: ${formatKurus(r.differenceKurus)}`, { align: 'center', bold: true, invert: true });
  if (r.needsReview.length > 0) {
    b.rule().text(`İncelenecek işlemler (${r.needsReview.length})`, { bold: true });
    for (const n of r.needsReview) b.pair(`${n.kind} ${n.paymentId.slice(-12)}`, formatKurus(n.amountKurus));
  }
  return b.feed(2).build();
}
