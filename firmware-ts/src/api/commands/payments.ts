// vim/cmd/payments/*: Mobil Tahsilat (issue 7). collect, void, refund and end-of-day wait
// for the card terminal (review prints a makbuz), so they are async commands (command.ts `run`): the service
// journals `started` in one transaction, asks the terminal outside any transaction and
// journals the outcome in a second one, and the reply to the command id carries that
// final outcome. A retry of the same id while it runs gets the same answer (command path);
// after a restart the service answers it from the journal (never a second charge).
// list and reprint are ordinary synchronous commands.
import type { Static } from '@sinclair/typebox';
import type { Role } from '../../config/schema.js';
import { PaymentError } from '../../services/payments/errors.js';
import type { PaymentsService } from '../../services/payments/payments-service.js';
import { makbuzNo } from '../../services/payments/receipt.js';
import { RECORD } from '../../services/payments/records.js';
import { defineAsyncCommand, defineCommand, type CommandContext, type CommandDefinition } from '../command.js';
import type { Publisher } from '../command-path.js';
import { ApiError } from '../errors.js';
import * as S from './payments-schemas.js';

export { paymentsEvents } from './payments-schemas.js';

const STAFF: readonly Role[] = ['staff'];
const ex = (n: number, args: Record<string, unknown>) => ({ id: `1a2b3c4d-0000-4000-8000-${String(0xc000 + n).padStart(12, '0')}`, ...args });

/** Service errors become the reply's error with the same code and message. */
async function call<T>(f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof PaymentError) throw new ApiError(e.code, e.message, e.details);
    throw e;
  }
}

function callSync<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof PaymentError) throw new ApiError(e.code, e.message, e.details);
    throw e;
  }
}

export function paymentsCommands(events: Publisher, payments: PaymentsService | null): CommandDefinition[] {
  const svc = (): PaymentsService => {
    if (!payments) throw new ApiError('PAYMENTS_UNAVAILABLE', 'card payments are not available on this gateway', {});
    return payments;
  };
  const caller = (ctx: CommandContext) => ({ commandId: ctx.commandId, actor: ctx.client.username });
  payments?.onProgress(({ commandId, paymentId, progress }) => {
    events.publish('vim/event/payments/progress', JSON.stringify({ commandId, paymentId, ...progress }), { qos: 0 }).catch(() => undefined);
  });

  return [
    defineAsyncCommand({
      service: 'payments',
      action: 'collect',
      summary: 'Collect debts by card; the reply comes after the terminal: approved (makbuz printed or queued), declined, or needs_review',
      roles: STAFF,
      payload: S.PaymentsCollect,
      result: S.PaymentOpResult,
      examples: [
        ex(1, {
          payer: { ref: '004-118-2231', name: 'Gülşen Öztürk', idNo: '10*******46' },
          lines: [
            { revenueType: 'EMLAK', year: 2026, instalment: 1, principalKurus: 120_000, lateFeeKurus: 5_000, totalKurus: 125_000 },
            { revenueType: 'CTV', year: 2026, principalKurus: 31_240, totalKurus: 31_240 },
          ],
          totalKurus: 156_240,
        }),
      ],
      run: (ctx, args: Static<typeof S.PaymentsCollect>) => call(() => svc().collect(args, caller(ctx))),
    }),
    defineAsyncCommand({
      service: 'payments',
      action: 'void',
      summary: "Void an approved payment of today's open batch on the terminal (reversal); supervisor only",
      roles: STAFF,
      payload: S.PaymentsVoid,
      result: S.PaymentOpResult,
      examples: [ex(2, { paymentId: 'MT-000142', reason: 'Yanlış tutar girildi' })],
      run: (ctx, args: Static<typeof S.PaymentsVoid>) => call(() => svc().void(args, caller(ctx))),
    }),
    defineAsyncCommand({
      service: 'payments',
      action: 'refund',
      summary: 'Refund (part of) an approved payment to a card; supervisor only; never more than what is left',
      roles: STAFF,
      payload: S.PaymentsRefund,
      result: S.PaymentOpResult,
      examples: [ex(3, { paymentId: 'MT-000142', amountKurus: 5_000, reason: 'Gecikme zammı fazla hesaplandı' })],
      run: (ctx, args: Static<typeof S.PaymentsRefund>) => call(() => svc().refund(args, caller(ctx))),
    }),
    defineAsyncCommand({
      service: 'payments',
      action: 'review',
      summary: "Settle a needs_review operation by hand from the terminal's printout: approved (an approved sale gets its makbuz) or declined; supervisor only",
      roles: STAFF,
      payload: S.PaymentsReview,
      result: S.PaymentOpResult,
      examples: [ex(8, { opId: '0190a0b1-0000-7000-8000-000000000001', outcome: 'approved', reason: 'terminal gün sonu raporu, fiş 0042', terminal: { receiptNo: 42, approvalCode: 'A1B2C3' } })],
      run: (ctx, args: Static<typeof S.PaymentsReview>) => call(() => svc().review(args, caller(ctx))),
    }),
    defineAsyncCommand({
      service: 'payments',
      action: 'end-of-day',
      summary: "Run the terminal's end of day, reconcile its total with the journal, flag differences, print the report",
      roles: STAFF,
      payload: S.PaymentsEndOfDay,
      result: S.PaymentsEndOfDayResult,
      examples: [ex(4, {})],
      run: (ctx) => call(() => svc().endOfDay(caller(ctx))),
    }),
    defineCommand({
      service: 'payments',
      action: 'list',
      summary: "A day's payments with totals, and every payment still needing review",
      roles: ['staff', 'maintenance'],
      payload: S.PaymentsList,
      result: S.PaymentsListResult,
      examples: [ex(5, {}), ex(6, { day: '2026-11-28' })],
      handle: (_ctx, args: Static<typeof S.PaymentsList>) => callSync(() => svc().list(args.day)),
    }),
    defineCommand({
      service: 'payments',
      action: 'reprint',
      summary: 'Print the makbuz of an approved payment again, marked as a copy (e.g. after the printer ran out of paper)',
      roles: STAFF,
      payload: S.PaymentsReprint,
      result: S.PaymentsReprintResult,
      examples: [ex(7, { paymentId: 'MT-000142' })],
      handle(ctx, args: Static<typeof S.PaymentsReprint>, tx) {
        return callSync(() => {
          const p = svc().receiptOf(args.paymentId);
          const printer = svc().printerStatus();
          if (!printer) throw new ApiError('NO_PRINTER', 'no receipt printer is configured (payments.receiptPrinter, devices.printers)', {});
          const receiptNo = makbuzNo(p.receipt!);
          tx.journal.append({ type: RECORD.reprint, class: 'money', payload: { paymentId: p.paymentId, receiptNo }, commandId: ctx.commandId, actor: ctx.client.username });
          return { paymentId: p.paymentId, receiptNo, printer };
        });
      },
      afterCommit(_ctx, result) {
        // The job is durable once saved; a failure is logged by the service and the tablet may ask again.
        payments?.reprint(result.paymentId).catch(() => undefined);
      },
    }),
  ];
}
