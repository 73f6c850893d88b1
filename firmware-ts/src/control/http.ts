// Request/response helpers of the control API: small JSON bodies in, JSON out,
// errors as {error: {code, message, details}} with an HTTP status the CLI maps to
// its exit codes. Nothing here knows about the gateway.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bodies are a few fields (an AT command is at most 512 bytes): anything larger is a mistake. */
export const MAX_BODY_BYTES = 4096;

export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

export const notConfigured = (what: string, hint: string): ControlError =>
  new ControlError(409, 'NOT_CONFIGURED', `${what} is not configured (${hint})`);

export interface ControlRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** For streamed answers (export); plain handlers return their JSON instead. */
  res: ServerResponse;
  /** Aborted when the client goes away, so long work stops. */
  signal: AbortSignal;
}

export type Handler = (req: ControlRequest) => unknown;

/** Marks a handler's result as already written to `res` (a stream). */
export const STREAMED = Symbol('streamed');

export function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ControlError(413, 'TOO_LARGE', `request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.once('error', reject);
    req.once('end', () => {
      if (size === 0) return resolve({});
      try {
        const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        resolve(v as Record<string, unknown>);
      } catch {
        reject(new ControlError(400, 'BAD_REQUEST', 'the body must be a JSON object'));
      }
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

/** Optional string field of a body; a wrong type is the caller's mistake, answered 400. */
export function optString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ControlError(400, 'BAD_REQUEST', `${name}: must be a string`, { field: name });
  return v;
}

export function optBool(body: Record<string, unknown>, name: string): boolean {
  const v = body[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new ControlError(400, 'BAD_REQUEST', `${name}: must be true or false`, { field: name });
  return v;
}

export function optInt(body: Record<string, unknown>, name: string, lo: number, hi: number): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ControlError(400, 'BAD_REQUEST', `${name}: must be an integer ${lo}..${hi}`, { field: name });
  return v;
}
