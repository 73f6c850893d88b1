// Issue 6's rows (r1, r2): requests/create through the gateway child, each figure next to
// an anchor from the same run (requests.ts says how each is measured). The issue gives no
// numeric target for them, so they are info rows; errors during a run fail them.
import type { LoadResult } from './load.js';
import type { RawFileWrites, RequestsLoadResult } from './requests.js';
import { fmtNum } from './stats.js';
import type { Row } from './table.js';

export interface RequestsMeasures {
  /** r1: one 1 MB photo per request. */
  photo: RequestsLoadResult;
  photoBytes: number;
  /** r2: no attachment. */
  plain: RequestsLoadResult;
  /** mosquitto echoing messages the size of r1's command. */
  bigEcho: LoadResult;
  /** write + fsync + rename + directory fsync of photo-sized files, one at a time. */
  rawWrites: RawFileWrites;
}

const invalidOf = (r: LoadResult): string | undefined => (r.errors > 0 ? `${r.errors} requests failed (first: ${r.firstError ?? '?'})` : undefined);

function row(r: Row, invalid: string | undefined): Row {
  return invalid ? { ...r, invalid } : r;
}

export function requestRows(q: RequestsMeasures, mosquittoEcho: LoadResult): Row[] {
  const p = q.photo;
  const plain = q.plain;
  const mb = (q.photoBytes / 2 ** 20).toFixed(0);
  const photoMBps = (p.rate * q.photoBytes) / 1e6;
  return [
    row(
      {
        id: 'r1',
        measure: `requests/create with a ${mb} MB photo, p99 (${p.clients} tablets)`,
        ours: p.latencyMs.p99,
        anchorName: 'mosquitto echo, same size, p99',
        anchor: q.bigEcho.latencyMs.p99,
        unit: 'ms',
        target: { kind: 'info' },
        note:
          `issue 6: each command ${fmtNum(p.payloadBytes / 1024)} KiB of JSON with the photo in base64; checked (schema, catalog, base64, ` +
          `JPEG magic, SHA-256), the file written, fsynced, renamed and its directory fsynced, then the record group-committed and ` +
          `answered; ${fmtNum(p.ops)} requests in ${p.seconds.toFixed(1)} s (${fmtNum(p.rate)}/s), p50 ${fmtNum(p.latencyMs.p50)} ms; ` +
          `the anchor sends the same number of bytes through mosquitto and back (${fmtNum(q.bigEcho.rate)}/s, p50 ${fmtNum(q.bigEcho.latencyMs.p50)} ms)`,
      },
      invalidOf(p) ?? invalidOf(q.bigEcho),
    ),
    {
      id: 'r1',
      measure: `requests/create with a ${mb} MB photo, MB/s written`,
      ours: p.writtenMBps,
      anchorName: 'raw 1 MB file write+fsync',
      anchor: q.rawWrites.MBps,
      unit: 'MB/s',
      target: { kind: 'info' },
      note:
        `the gateway process's ${p.writtenCounter} from /proc/<pid>/io over the window: the photos (${fmtNum(photoMBps)} MB/s of them), ` +
        `the WAL and its checkpoints; the anchor writes the same-sized files the same way (temp file, fsync, rename, directory fsync), ` +
        `one at a time, in the same directory: ${fmtNum(q.rawWrites.files)} files in ${q.rawWrites.seconds.toFixed(1)} s`,
    },
    row(
      {
        id: 'r2',
        measure: `requests/create without attachments, p99 (${plain.clients} tablets)`,
        ours: plain.latencyMs.p99,
        anchorName: 'mosquitto echo p99',
        anchor: mosquittoEcho.latencyMs.p99,
        unit: 'ms',
        target: { kind: 'info' },
        note:
          `a complaint with name and phone (checked, E.164), tracking number from the day's sequence, due date from the holiday ` +
          `calendar, GNSS and visit stamps, journaled with group commit and answered after the fsync: ${fmtNum(plain.ops)} requests in ` +
          `${plain.seconds.toFixed(1)} s (${fmtNum(plain.rate)}/s vs mosquitto echo ${fmtNum(mosquittoEcho.rate)}/s), p50 ${fmtNum(plain.latencyMs.p50)} ms ` +
          `vs ${fmtNum(mosquittoEcho.latencyMs.p50)} ms; ${fmtNum(plain.writtenMBps)} MB/s written`,
      },
      invalidOf(plain),
    ),
  ];
}
