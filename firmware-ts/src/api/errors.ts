// The error answer every command path failure turns into (DESIGN.md "MQTT API"):
// `{ id, ok: false, error: { code, message, details } }`. Messages name the field.
export type ApiErrorCode =
  | 'BAD_JSON'
  | 'INVALID_PAYLOAD'
  | 'UNKNOWN_COMMAND'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'INVALID_STATE'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'STORE_FULL'
  | 'STORE_UNAVAILABLE'
  | 'INTERNAL';

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
