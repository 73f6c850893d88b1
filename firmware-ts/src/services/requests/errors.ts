// One typed error for the requests service. The command layer maps `code` straight onto
// the reply's error.code (api/errors.ts lists them). Every one of these is raised before
// anything is written (DESIGN.md non-negotiable 5: bad input changes nothing), and no
// message ever repeats a TC Kimlik No or a phone number it refuses (non-negotiable 6).
export type RequestErrorCode =
  | 'INVALID_PAYLOAD'
  | 'INVALID_TCKN'
  | 'INVALID_PHONE'
  | 'UNKNOWN_TYPE'
  | 'UNKNOWN_CATEGORY'
  | 'UNKNOWN_AUTHORITY'
  | 'ATTACHMENT_TOO_LARGE'
  | 'ATTACHMENT_NOT_IMAGE'
  | 'MISSING_FIELDS'
  | 'UNKNOWN_REQUEST';

export class RequestError extends Error {
  constructor(
    readonly code: RequestErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
