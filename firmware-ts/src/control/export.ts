// The sneakernet bundle (`vimgw export --since DATE > FILE`): when the modem is
// dead for days, a crew carries the records to HQ on a USB stick. NDJSON: a header
// line, every journal record from the first one created at or after `since` (by seq,
// so a clock that jumped back cannot hide a newer record), and an end line with the
// count, so HQ can tell a complete file from one cut short. HQ deduplicates by id,
// so exporting a day twice, or a day the push link delivered too, is harmless.
import type { ServerResponse } from 'node:http';
import { RECORD_CLASSES, type StoredRecord } from '../store/records.js';
import type { Journal } from '../store/journal.js';
import { VERSION } from '../version.js';

export const EXPORT_FORMAT = 'vim-gateway-export';
const PAGE = 500;

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: 1;
  vehicle: string;
  since: string;
  /** The first seq in the file, null when nothing matched. */
  fromSeq: number | null;
  /** The journal's last seq when the export began: records up to it are in the file. */
  toSeq: number;
  createdAt: string;
  gateway: string;
}

export interface ExportEnd {
  format: typeof EXPORT_FORMAT;
  end: true;
  records: number;
  lastSeq: number | null;
}

/** The first seq created at or after `since`, through the (class, created_at) index. */
export function firstSeqSince(journal: Journal, since: Date): number | null {
  let first: number | null = null;
  for (const c of RECORD_CLASSES) {
    const it = journal.ofClass(c, since);
    try {
      const r = it.next();
      if (!r.done && (first === null || r.value.seq < first)) first = r.value.seq;
    } finally {
      // Closes the lazy query: an open iterator keeps its statement busy for the next class.
      it.return(undefined);
    }
  }
  return first;
}

/** Pages of records from `fromSeq` to `toSeq`, in seq order. */
export function* exportPages(journal: Journal, fromSeq: number, toSeq: number): Generator<StoredRecord[]> {
  let after = fromSeq - 1;
  for (;;) {
    const page = journal.list(after, PAGE).filter((r) => r.seq <= toSeq);
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1]!.seq;
    if (after >= toSeq) return;
  }
}

export function exportHeader(vehicle: string, since: Date, fromSeq: number | null, toSeq: number): ExportHeader {
  return { format: EXPORT_FORMAT, version: 1, vehicle, since: since.toISOString(), fromSeq, toSeq, createdAt: new Date().toISOString(), gateway: VERSION };
}

/**
 * The bundle as text chunks: the header, a chunk per page of records, the end line.
 * One generator for both routes: the control API streams it, and `vimgw export
 * --offline` writes it straight from the journal file when the gateway is down.
 */
export function* exportChunks(j: Journal, vehicle: string, since: Date): Generator<string> {
  const toSeq = j.stats().lastSeq;
  const fromSeq = firstSeqSince(j, since);
  yield `${JSON.stringify(exportHeader(vehicle, since, fromSeq, toSeq))}\n`;
  let records = 0;
  let lastSeq: number | null = null;
  if (fromSeq !== null) {
    for (const page of exportPages(j, fromSeq, toSeq)) {
      records += page.length;
      lastSeq = page[page.length - 1]!.seq;
      yield page.map((r) => JSON.stringify(r)).join('\n') + '\n';
    }
  }
  const end: ExportEnd = { format: EXPORT_FORMAT, end: true, records, lastSeq };
  yield `${JSON.stringify(end)}\n`;
}

/** Writes `text`, waiting for the stream to drain; rejects when it closes first. */
export function writeDrained(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (out.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', gone);
      resolve();
    };
    const gone = () => {
      out.off('drain', done);
      reject(new Error('the reader went away'));
    };
    out.once('drain', done);
    out.once('close', gone);
  });
}

/**
 * Streams the bundle to an HTTP response. Pages are read between turns of the event
 * loop and writes wait for the socket to drain, so a large export neither blocks the
 * gateway nor buffers the journal in memory.
 */
export async function streamExport(res: ServerResponse, journal: Journal, vehicle: string, since: Date, signal: AbortSignal): Promise<void> {
  const chunks = exportChunks(journal, vehicle, since);
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store' });
  for (const chunk of chunks) {
    if (signal.aborted) {
      chunks.return(undefined);
      return;
    }
    await writeDrained(res, chunk);
    await new Promise((r) => setImmediate(r));
  }
  res.end();
}
