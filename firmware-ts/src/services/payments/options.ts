// The payments configuration (`payments` in config/schema.ts): the municipality and
// receipt series printed on the tahsilat makbuzu, the largest amount one collection
// may take, the revenue types tablets may collect, and how long an interrupted
// payment is settled with the terminal before it goes to the end-of-day review list.
// Cross-field rules (unique revenue codes, a configured printer, the terminal's own
// limit) are checked by `paymentsConfigErrors` and config/load.ts (exit 78).
import { Type, type Static } from '@sinclair/typebox';
import { Strict } from '../../schema/types.js';

export const DEFAULT_REVENUE_TYPES = [
  { code: 'EMLAK', name: 'Emlak Vergisi' },
  { code: 'CTV', name: 'Çevre Temizlik Vergisi' },
  { code: 'ILAN', name: 'İlan ve Reklam Vergisi' },
  { code: 'SU', name: 'Su Ücreti' },
  { code: 'ISGAL', name: 'İşgaliye Harcı' },
  { code: 'ECRIMISIL', name: 'Ecrimisil' },
  { code: 'KIRA', name: 'Kira Bedeli' },
];

export const PaymentsOptionsSchema = Strict(
  {
    enabled: Type.Boolean({ default: true, description: 'Take card payments (needs devices.terminal); false answers payments commands with PAYMENTS_UNAVAILABLE' }),
    municipality: Type.String({ minLength: 1, maxLength: 60, default: 'İnegöl Belediyesi', description: 'Printed at the top of the tahsilat makbuzu' }),
    unit: Type.String({ minLength: 1, maxLength: 60, default: 'Mali Hizmetler Müdürlüğü', description: 'The collecting unit, printed under the municipality' }),
    receiptSeries: Type.String({
      pattern: '^[A-Z0-9]{1,8}$',
      default: 'MT',
      description: 'Makbuz series; sequence numbers run per series, are never reused, and survive restarts (a new series starts at 1)',
    }),
    maxAmountKurus: Type.Integer({
      minimum: 1,
      maximum: 999_999_999_999,
      default: 5_000_000,
      description: 'Largest total one collection may take, in kuruş (default 50.000,00 TL); at most devices.terminal.maxAmountKurus',
    }),
    revenueTypes: Type.Array(
      Strict({
        code: Type.String({ pattern: '^[A-Z][A-Z0-9_]{0,15}$', description: 'Code tablets send, e.g. EMLAK' }),
        name: Type.String({ minLength: 1, maxLength: 60, description: 'Turkish name printed on the receipt' }),
      }),
      { minItems: 1, default: DEFAULT_REVENUE_TYPES, description: 'Revenue types (gelir türleri) that may be collected; codes must be unique' },
    ),
    receiptPrinter: Type.Optional(Type.String({ minLength: 1, description: 'Printer name for receipts; default: the first printer' })),
    verifyUrl: Type.Optional(
      Type.String({
        pattern: '^https?://[^\\s/]+(/\\S*)?$',
        description: 'Base URL of the municipality\'s receipt check; the QR opens <verifyUrl>?seri=..&no=..&tutar=..&k=<payment id>. Without it the QR holds the same data as text',
      }),
    ),
    settleTimeoutS: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 60,
      description: 'How long an interrupted payment is settled by asking the terminal (ZVT repeat receipt) before it is marked needs_review',
    }),
    settleRetryMs: Type.Integer({ minimum: 20, maximum: 10_000, default: 1000, description: 'Pause between attempts to reach the terminal while settling' }),
    lookbackDays: Type.Integer({ minimum: 2, maximum: 400, default: 45, description: 'Days of payments read back from the journal at start (retries, voids, refunds, review list)' }),
  },
  { default: {}, description: 'Card payments (Mobil Tahsilat): receipts, limits, revenue types, settlement' },
);

export type PaymentsOptions = Static<typeof PaymentsOptionsSchema>;

/** Cross-field checks the schema cannot express, as config errors (`payments.revenueTypes[2].code: ...`). */
export function paymentsConfigErrors(o: PaymentsOptions): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  o.revenueTypes.forEach((t, i) => {
    if (seen.has(t.code)) errors.push({ path: `payments.revenueTypes[${i}].code`, message: `"${t.code}" is used twice` });
    seen.add(t.code);
  });
  return errors;
}
