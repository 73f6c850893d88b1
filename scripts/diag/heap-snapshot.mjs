// `node scripts/diag/heap-snapshot.mjs PID OUT.heapsnapshot [--port 9229]`: a V8 heap
// snapshot of a running gateway, for finding what grows (docs/reliability.md). SIGUSR1
// makes Node open its inspector on 127.0.0.1 (it stays open until the process exits, one
// more descriptor); the snapshot is taken over the Chrome DevTools Protocol after a full
// collection. It pauses the process for a second or two and inflates its RSS: never
// quote a soak's figures from a run that was snapshotted.
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';

const [pidArg, out, ...rest] = process.argv.slice(2);
const port = rest[0] === '--port' ? Number(rest[1]) : 9229;
if (!/^\d+$/.test(pidArg ?? '') || !out || !Number.isInteger(port)) {
  console.error('usage: node scripts/diag/heap-snapshot.mjs PID OUT.heapsnapshot [--port 9229]');
  process.exit(64);
}
process.kill(Number(pidArg), 'SIGUSR1');
let targets = null;
for (let i = 0; i < 50 && !targets; i++) {
  targets = await fetch(`http://127.0.0.1:${port}/json/list`).then((r) => r.json(), () => null);
  if (!targets) await new Promise((r) => setTimeout(r, 100));
}
if (!targets?.[0]) {
  console.error(`no inspector on 127.0.0.1:${port} (another process holds the port? pass --port)`);
  process.exit(1);
}
const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
let id = 0;
const pending = new Map();
const chunks = [];
ws.on('message', (m) => {
  const msg = JSON.parse(m.toString());
  if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(msg.params.chunk);
  else if (pending.has(msg.id)) {
    pending.get(msg.id)(msg);
    pending.delete(msg.id);
  }
});
const call = (method, params = {}) => new Promise((resolve) => {
  pending.set(++id, resolve);
  ws.send(JSON.stringify({ id, method, params }));
});
await call('HeapProfiler.enable');
await call('HeapProfiler.collectGarbage');
await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
await call('HeapProfiler.disable');
ws.close();
writeFileSync(out, chunks.join(''));
console.log(`${out}: ${chunks.reduce((n, c) => n + c.length, 0)} bytes`);
