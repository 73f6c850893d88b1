// The error answer every command path failure turns into (DESIGN.md "MQTT API"):
// `{ id, ok: false, error: { code, message, details } }`. Messages name the field.
// A runtime list (not only a type) so docs/asyncapi.yaml can enumerate the codes.
export const API_ERROR_CODES = [
  'BAD_JSON',
  'INVALID_PAYLOAD',
  'UNKNOWN_COMMAND',
  'FORBIDDEN',
  'CONFLICT',
  'INVALID_STATE',
  'UNKNOWN_SERVICE',
  'UNKNOWN_COUNTER',
  'UNKNOWN_TICKET',
  'UNKNOWN_PRIORITY',
  'COUNTER_CLOSED',
  'SERVICE_CLOSED',
  'NOTHING_WAITING',
  'NO_PRINTER',
  'AMOUNT_OVER_LIMIT',
  'TOTAL_MISMATCH',
  'UNKNOWN_REVENUE_TYPE',
  'INVALID_PAYER_ID',
  'PAYMENTS_UNAVAILABLE',
  'TERMINAL_UNAVAILABLE',
  'TERMINAL_BUSY',
  'UNKNOWN_PAYMENT',
  'PAYMENT_NOT_APPROVED',
  'SUPERVISOR_REQUIRED',
  'ALREADY_VOIDED',
  'VOID_NOT_SAME_DAY',
  'REFUND_EXCEEDS_PAID',
  'INVALID_TCKN',
  'INVALID_PHONE',
  'UNKNOWN_TYPE',
  'UNKNOWN_CATEGORY',
  'UNKNOWN_AUTHORITY',
  'ATTACHMENT_TOO_LARGE',
  'ATTACHMENT_NOT_IMAGE',
  'MISSING_FIELDS',
  'UNKNOWN_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'STORE_FULL',
  'STORE_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Answer<R = unknown> =
  | { id: string | null; ok: true; result: R }
  | { id: string | null; ok: false; error: { code: ApiErrorCode; message: string; details: Record<string, unknown> } };

export function errorAnswer(id: string | null, e: ApiError): Answer<never> {
  return { id, ok: false, error: { code: e.code, message: e.message, details: e.details } };
}
