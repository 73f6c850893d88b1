// Photos over the pull API (issue 8: everything the van records reaches HQ; docs/sync.md
// "Photos"). A request record carries only its photos' hashes; HQ fetches each file here
// and then acknowledges it:
//   GET  /sync/v1/attachments/<sha256>   the file, streamed, typed by the recorded mime
//   POST /sync/v1/attachments/ack        {sha256}: HQ has stored it
// An explicit ack, not "the response was sent": a stream cut halfway, or a file HQ failed
// to store, is no delivery, and the photo retention deletes a file only after the mark.
// Only photos a request record names are served (not a stray file of a request that never
// committed), and a photo deleted after delivery is a 404 like an unknown one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { AttachmentFiles } from '../../adapters/attachment-files.js';
import { REQUEST_RECORD_TYPE } from '../../services/requests/record.js';
import type { AttachmentRow } from '../../store/attachment-deliveries.js';
import type { Store } from '../../store/store.js';
import { ApiProblem } from './params.js';

export const ATTACHMENTS_PREFIX = '/sync/v1/attachments/';
const SHA256 = /^[0-9a-f]{64}$/;

function checkHash(raw: unknown, what: string): string {
  if (typeof raw !== 'string' || !SHA256.test(raw)) {
    throw new ApiProblem(400, 'BAD_REQUEST', `${what} must be a SHA-256 in lowercase hex (64 characters), got ${JSON.stringify(String(raw).slice(0, 80))}`);
  }
  return raw;
}

/** The photo's row, registering records written since the last scan when it is not known yet. */
async function known(store: Store, sha256: string): Promise<AttachmentRow | undefined> {
  const row = store.attachments.get(sha256);
  if (row) return row;
  await store.transact(() => store.attachments.register(REQUEST_RECORD_TYPE));
  return store.attachments.get(sha256);
}

export async function serveAttachment(files: AttachmentFiles, store: Store, vehicle: string, rawHash: string, res: ServerResponse): Promise<void> {
  const sha256 = checkHash(rawHash, 'the path segment after /sync/v1/attachments/');
  const row = await known(store, sha256);
  const file = row ? await files.find(sha256) : null;
  // Opened before the headers: a file deleted between the lookup and here is still a clean 404.
  const fh = file ? await open(file.path, 'r').catch(() => null) : null;
  if (!row || !file || !fh) {
    throw new ApiProblem(404, 'NOT_FOUND', `no photo ${sha256} here: no request names it, or it was deleted after HQ acknowledged it`);
  }
  try {
    const size = (await fh.stat()).size;
    res.writeHead(200, {
      'content-type': row.mime ?? 'application/octet-stream',
      'content-length': String(size),
      'cache-control': 'no-store',
      'x-sync-vehicle': vehicle,
      'x-attachment-sha256': sha256,
      'x-attachment-delivered': row.at ? 'true' : 'false',
    });
    await pipeline(fh.createReadStream({ autoClose: false }), res);
  } catch (e) {
    // Headers are out: the client sees a short body (content-length tells it), never a 500 page.
    res.destroy();
    if ((e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw e;
  } finally {
    await fh.close();
  }
}

export async function ackAttachment(store: Store, consumer: string, text: string, res: ServerResponse): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiProblem(400, 'BAD_REQUEST', 'the body must be JSON: {"sha256": "<64 hex>"}');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiProblem(400, 'BAD_REQUEST', 'the body must be a JSON object: {"sha256": "<64 hex>"}');
  const extra = Object.keys(body).filter((k) => k !== 'sha256');
  if (extra.length) throw new ApiProblem(400, 'BAD_REQUEST', `unknown field ${JSON.stringify(extra[0]!.slice(0, 40))}; the body is {"sha256": "<64 hex>"}`);
  const sha256 = checkHash((body as { sha256?: unknown }).sha256, 'sha256');
  if (!(await known(store, sha256))) throw new ApiProblem(404, 'NOT_FOUND', `no request names photo ${sha256}`);
  await store.transact(() => store.attachments.markDelivered(sha256, consumer, new Date()));
  const row = store.attachments.get(sha256)!;
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ sha256, delivered: true, consumer: row.consumer, at: row.at }));
}

/** Routes /sync/v1/attachments/...; false when the path is not one of them. */
export async function attachmentRoute(
  d: { files: AttachmentFiles | null; store: Store; vehicle: string },
  consumer: string,
  req: IncomingMessage,
  pathname: string,
  res: ServerResponse,
  readBody: (req: IncomingMessage) => Promise<string>,
): Promise<boolean> {
  if (!pathname.startsWith(ATTACHMENTS_PREFIX)) return false;
  const rest = pathname.slice(ATTACHMENTS_PREFIX.length);
  const method = req.method ?? '';
  if (rest === 'ack') {
    if (method !== 'POST') throw new ApiProblem(405, 'METHOD_NOT_ALLOWED', `${pathname} takes POST`, { allow: 'POST' });
    await ackAttachment(d.store, consumer, await readBody(req), res);
    return true;
  }
  if (method !== 'GET') throw new ApiProblem(405, 'METHOD_NOT_ALLOWED', `${ATTACHMENTS_PREFIX}{sha256} takes GET`, { allow: 'GET' });
  if (!d.files) throw new ApiProblem(404, 'NOT_FOUND', 'this gateway keeps no photo files');
  await serveAttachment(d.files, d.store, d.vehicle, rest, res);
  return true;
}
