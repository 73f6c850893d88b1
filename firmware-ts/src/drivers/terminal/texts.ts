// Human texts for ZVT codes: result codes (PA00P015 §10), terminal status codes
// (§11) and intermediate status (§3.7, Table 17). English, as in the spec; the
// tablet translates by code.

const RESULT: Record<number, string> = {
  0x00: 'no error',
  0x05: 'declined by the card issuer',
  0x64: 'card not readable',
  0x65: 'card data not present',
  0x66: 'processing error',
  0x67: 'function not permitted for ec and Maestro cards',
  0x68: 'function not permitted for credit and tank cards',
  0x6a: 'turnover file full',
  0x6b: 'function deactivated (PT not registered)',
  0x6c: 'abort via timeout or abort key',
  0x6e: 'card in blocked list',
  0x6f: 'wrong currency',
  0x71: 'credit not sufficient (chip card)',
  0x72: 'chip error',
  0x73: 'card data incorrect',
  0x77: 'end-of-day batch not possible',
  0x78: 'card expired',
  0x79: 'card not yet valid',
  0x7a: 'card unknown',
  0x7d: 'communication error',
  0x83: 'function not possible',
  0x85: 'key missing',
  0x89: 'PIN pad defective',
  0x9a: 'ZVT protocol error',
  0x9b: 'error from dial-up / communication fault',
  0x9c: 'please wait',
  0xa0: 'receiver not ready',
  0xa1: 'remote station does not respond',
  0xa3: 'no connection',
  0xb1: 'memory full',
  0xb2: 'merchant journal full',
  0xb4: 'already reversed',
  0xb5: 'reversal not possible',
  0xb7: 'pre-authorisation incorrect or amount wrong',
  0xc3: 'maximum amount exceeded',
  0xc5: 'payment method not supported',
  0xc6: 'currency not applicable',
  0xc8: 'amount too small',
  0xcc: 'printer not ready',
  0xdc: 'card inserted',
  0xe2: 'card reader does not answer',
  0xf0: 'open end-of-day batch present',
  0xfe: 'register unknown',
  0xff: 'system error',
};

export function resultText(code: number): string {
  if (RESULT[code]) return RESULT[code];
  if (code >= 0x01 && code <= 0x63) return `declined by the network operator (code ${code})`;
  return `result code ${code.toString(16).padStart(2, '0').toUpperCase()}`;
}

const STATUS: Record<number, string> = {
  0x00: 'PT ready',
  0x51: 'initialisation required',
  0x62: 'date/time incorrect',
  0x9c: 'please wait',
  0xb1: 'memory full',
  0xb2: 'merchant journal full',
  0xbf: 'voltage supply too low',
  0xc2: 'diagnosis required',
  0xcc: 'printer not ready',
  0xdc: 'card inserted',
  0xdf: 'out of order',
  0xe0: 'remote maintenance activated',
  0xe1: 'card not completely removed',
  0xe2: 'card reader does not answer',
  0xe3: 'shutter closed',
  0xe4: 'terminal activation required',
  0xf0: 'reconciliation required',
};

export function terminalStatusText(code: number): string {
  return STATUS[code] ?? `status code ${code.toString(16).padStart(2, '0').toUpperCase()}`;
}

const INTERMEDIATE: Record<number, string> = {
  0x00: 'waiting for amount confirmation',
  0x01: 'please watch PIN pad',
  0x02: 'please watch PIN pad',
  0x03: 'not accepted',
  0x04: 'waiting for response from host',
  0x05: 'sending auto-reversal',
  0x06: 'sending post-bookings',
  0x07: 'card not admitted',
  0x08: 'card unknown',
  0x09: 'expired card',
  0x0a: 'insert card',
  0x0b: 'please remove card',
  0x0c: 'card not readable',
  0x0d: 'processing error',
  0x0e: 'please wait',
  0x0f: 'automatic end-of-day batch',
  0x10: 'invalid card',
  0x11: 'balance display',
  0x12: 'system malfunction',
  0x13: 'payment not possible',
  0x14: 'credit not sufficient',
  0x15: 'incorrect PIN',
  0x16: 'limit not sufficient',
  0x17: 'please wait',
  0x18: 'PIN try limit exceeded',
  0x19: 'card data incorrect',
  0x1a: 'service mode',
  0x1b: 'approved, please fill up',
  0x1c: 'approved, please take goods',
  0x1d: 'declined',
  0x28: 'currency selection, please wait',
  0x29: 'language selection, please wait',
  0x2c: 'application selection, please wait',
  0x68: 'card inserted',
  0xc8: 'waiting for cashier',
};

/** PA00P015 §3.7: codes 41-67 are 01-27 plus "please remove card". */
export function intermediateText(code: number): string {
  if (INTERMEDIATE[code]) return INTERMEDIATE[code];
  if (code >= 0x41 && code <= 0x67 && INTERMEDIATE[code - 0x40]) return `${INTERMEDIATE[code - 0x40]}; please remove card`;
  return `terminal status ${code.toString(16).padStart(2, '0').toUpperCase()}`;
}
