// The printed queue ticket (issue 5 "Taking a ticket"): service name, number, time, people
// ahead, estimated wait, and a QR code to the ticket's status page when one is reachable.
// Turkish, upper-cased the Turkish way; no name, no priority reason (only the class label).
import { DocumentBuilder, type PrintDocument } from '../../drivers/printer/render.js';
import { ISTANBUL_OFFSET_MIN } from './numbering.js';
import type { TicketStatus } from './view.js';

export interface TicketPrintContext {
  vehicleName: string;
  /** Base URL of the status page as a citizen's phone reaches it; no QR without it. */
  statusUrl?: string;
  priorityLabel: string | null;
}

/** "29.11.2026 14:05" in Istanbul time (fixed +03:00, see numbering.ts). */
export function istanbulDateTime(ms: number): string {
  const d = new Date(ms + ISTANBUL_OFFSET_MIN * 60_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/** "yaklaşık 15 dk"; under a minute says so rather than printing 0. */
export function waitText(ms: number | null): string {
  if (ms === null) return 'hesaplanamadı (açık gişe yok)';
  const min = Math.round(ms / 60_000);
  if (min < 1) return '1 dakikadan az';
  if (min < 60) return `yaklaşık ${min} dk`;
  return `yaklaşık ${Math.floor(min / 60)} sa ${min % 60} dk`;
}

export function statusLink(base: string, ticketId: string): string {
  return `${base.replace(/\/+$/, '')}/t/${ticketId.split('/').map(encodeURIComponent).join('/')}`;
}

export function ticketDocument(t: TicketStatus, ctx: TicketPrintContext): PrintDocument {
  const b = new DocumentBuilder(`ticket ${t.id}`)
    .text('İnegöl Belediyesi', { align: 'center', bold: true, upper: true })
    .text(ctx.vehicleName, { align: 'center' })
    .rule()
    .text(t.serviceName, { align: 'center', bold: true, upper: true })
    .text(t.number, { align: 'center', bold: true, size: 'double' })
    .feed(1);
  if (t.transferredFrom) b.text(`${t.transferredFrom.split('/').pop() ?? ''} numarasından aktarıldı`, { align: 'center' });
  if (ctx.priorityLabel) b.text(`Öncelikli: ${ctx.priorityLabel}`, { align: 'center', bold: true });
  b.rule()
    .pair('Tarih', istanbulDateTime(t.takenAt))
    .pair('Önünüzde bekleyen', `${t.ahead ?? 0} kişi`)
    .pair('Tahmini bekleme', waitText(t.estimatedWaitMs));
  if (ctx.statusUrl) {
    b.rule().qr(statusLink(ctx.statusUrl, t.id)).text('Sıranızı telefonunuzdan izleyebilirsiniz', { align: 'center' });
  }
  return b
    .rule()
    .text('Numaranız ekranda görününce lütfen belirtilen gişeye geçiniz.', { align: 'center' })
    .feed(2)
    .build();
}
