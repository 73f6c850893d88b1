// Issue 8's rows (s1-s5) with the targets of its "Performance (bench rows)" table, each
// next to an anchor from the same run (sync.ts says how each is measured).
import { fmtNum } from './stats.js';
import type { BigBacklogResult, DrainResult, PullResult, WireBytesResult } from './sync.js';
import type { Row } from './table.js';

export interface SyncMeasures {
  drain?: DrainResult;
  wire?: WireBytesResult;
  pull?: PullResult;
  big?: BigBacklogResult;
}

export function syncRows(s: SyncMeasures): Row[] {
  const rows: Row[] = [];
  const { drain, wire, pull, big } = s;
  if (drain) {
    rows.push({
      id: 's1',
      measure: 'sync drain to mosquitto on loopback, records/s',
      ours: drain.rate,
      anchorName: 'plain mqtt.js publisher',
      anchor: drain.anchorRate,
      unit: '/s',
      target: { kind: 'abs-min', value: 10_000 },
      note:
        `issue 8: the Pusher empties a backlog of ${fmtNum(drain.records)} track points into mosquitto (QoS 1 batches of up to 500 records ` +
        `or 64 KB, gzip when it pays, 4 in flight, each batch's records marked delivered on PUBACK) in ${drain.seconds.toFixed(1)} s; the ` +
        `anchor publishes the very same encoded batches with the same window and reads or records nothing`,
    });
  }
  if (wire) {
    rows.push({
      id: 's2',
      measure: 'bytes on the wire per track point, batched and compressed',
      ours: wire.bytesPerTrackPoint,
      anchorName: 'the same records as NDJSON',
      anchor: wire.ndjsonBytesPerTrackPoint,
      unit: 'B',
      target: { kind: 'abs-atmost', value: 40 },
      note:
        `everything the gateway sent to the broker (MQTT framing, topics, batch headers, reconnects) counted by a TCP relay: ` +
        `${fmtNum(wire.bytesOnWire)} bytes for ${fmtNum(wire.trackPoints)} track points 30 s apart; the anchor is one NDJSON line per record as the pull API serves it, uncompressed`,
    });
  }
  if (pull) {
    rows.push({
      id: 's3',
      measure: 'pull API records/s',
      ours: pull.rate,
      anchorName: 'SQLite read + NDJSON format',
      anchor: pull.anchorRate,
      unit: '/s',
      target: { kind: 'abs-min', value: 20_000 },
      note:
        `GET /sync/v1/records over real HTTP on loopback with a bearer token, pages of 20,000, each acknowledged with POST /sync/v1/ack: ` +
        `${fmtNum(pull.records)} records in ${pull.seconds.toFixed(1)} s; the anchor reads and formats the same rows in-process, without HTTP`,
    });
  }
  if (big) {
    rows.push(
      {
        id: 's4',
        measure: `RSS while draining a ${fmtNum(big.records)}-record backlog, max`,
        ours: big.maxRssMB,
        anchorName: 'the same gateway at ready',
        anchor: big.rssAtReadyMB,
        unit: 'MB',
        target: { kind: 'abs-max', value: 150 },
        // An RSS "while draining" means nothing if no record went out.
        ...(big.drained > 0 ? {} : { invalid: `no record was delivered in ${big.drainSeconds.toFixed(1)} s` }),
        note:
          `the gateway (dist/, node ${big.nodeArgs.join(' ')}, the service's malloc settings) pushing into mosquitto, RSS from /proc every ` +
          `100 ms, while it ${big.drained >= big.records ? `drained all of it in ${big.drainSeconds.toFixed(1)} s` : `delivered ${fmtNum(big.drained)} of them in ${big.drainSeconds.toFixed(1)} s (--drain-s; RSS levels off early in a drain)`} ` +
          `(${fmtNum(big.drainRate)} records/s, by the backlog on vim/state/sync, published every 5 s); the backlog took ${big.buildSeconds.toFixed(1)} s to build: 20,000 track points through the store, the rest copied from them in SQL with new seq, cseq and id`,
      },
      {
        id: 's5',
        measure: `start-up with a ${fmtNum(big.records)}-record backlog`,
        ours: big.startupMs,
        anchorName: 'the same gateway, empty journal',
        anchor: big.emptyStartupMs,
        unit: 'ms',
        target: { kind: 'abs-max', value: 3000 },
        note: `the gateway's own readyMs from its "gateway ready" line (process start to ready), push enabled, the backlog undelivered`,
      },
    );
  }
  return rows;
}
