// mqtt-packet's caches of encoded numbers must not grow the gateway (broker/mqtt-packet-caches.ts):
// the Remaining Length cache filled back to back, the two-byte number cache off.
import { createRequire } from 'node:module';
import mqttPacket from 'mqtt-packet';
import { afterAll, describe, expect, it } from 'vitest';
import { CACHED_LENGTHS, mqttPacketCopies, tuneMqttPacketCaches } from '../../firmware-ts/src/broker/mqtt-packet-caches.js';
import { gc } from '../helpers/gc.js';

type Copy = ReturnType<typeof mqttPacketCopies>[number];
const fromAedes = createRequire(createRequire(import.meta.url).resolve('aedes'));

/**
 * A copy of mqtt-packet with empty caches: other test files in this worker may have tuned
 * the shared one already. The require cache is put back afterwards.
 */
const saved = new Map<string, NodeJS.Module>();
function freshCopy(): Copy {
  for (const [k, v] of Object.entries(fromAedes.cache)) {
    if (k.includes('/mqtt-packet/') && v) {
      saved.set(k, v);
      delete fromAedes.cache[k];
    }
  }
  return fromAedes('mqtt-packet') as Copy;
}
afterAll(() => {
  for (const k of Object.keys(fromAedes.cache)) if (k.includes('/mqtt-packet/')) delete fromAedes.cache[k];
  for (const [k, v] of saved) fromAedes.cache[k] = v;
});

const sink = { write: (_chunk: Buffer) => true };
function arrayBuffersAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}
/**
 * Writes one packet of each size, with the Buffer pool used up between them as a busy
 * process does: a cache entry made lazily then sits alone in its pool block.
 */
function writeSizesAmidAllocations(m: Copy, sizes: number[]): number {
  const before = arrayBuffersAfterGc();
  for (const len of sizes) {
    m.writeToStream({ cmd: 'publish', topic: 'x', payload: Buffer.alloc(len - 3), qos: 0, dup: false, retain: false }, sink);
    for (let i = 0; i < 16; i++) Buffer.allocUnsafe(4000); // > a pool block on Node 20-24, then garbage
  }
  return arrayBuffersAfterGc() - before;
}
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('mqtt-packet caches', () => {
  it('untuned, each new packet size pins a pool block (the growth the soak found)', () => {
    const pinned = writeSizesAmidAllocations(freshCopy(), range(1000, 200));
    expect(pinned).toBeGreaterThan(200 * 4096);
  });

  it('tuned, new packet sizes pin nothing, and the number cache is off', () => {
    const m = freshCopy();
    const before = arrayBuffersAfterGc();
    tuneMqttPacketCaches([m]);
    // The whole filled cache: 16384 entries of 8 aligned bytes, a few pool blocks.
    expect(arrayBuffersAfterGc() - before).toBeLessThan(1024 * 1024);
    expect(m.writeToStream.cacheNumbers).toBe(false);
    const pinned = writeSizesAmidAllocations(m, [...range(2000, 100), ...range(CACHED_LENGTHS - 100, 100)]);
    expect(pinned).toBeLessThan(64 * 1024);
  });

  it('the copies aedes and mqtt.js write with are tuned by the broker and still encode every size right', () => {
    tuneMqttPacketCaches();
    const copies = mqttPacketCopies();
    expect(copies.length).toBeGreaterThanOrEqual(1);
    for (const m of copies) expect(m.writeToStream.cacheNumbers).toBe(false);
    // §2.2.3: 1 to 3 length bytes across the cached range and past it; ids use the uncached path.
    for (const len of [3, 127, 128, 129, 16383, 16384, 16385, 200_000]) {
      const chunks: Buffer[] = [];
      copies[0]!.writeToStream({ cmd: 'publish', topic: 'vim/reply/t1', payload: Buffer.alloc(len, 7), qos: 1, messageId: 65535, dup: false, retain: false }, {
        write: (c: Buffer) => (chunks.push(Buffer.from(c)), true),
      });
      const parsed: mqttPacket.Packet[] = [];
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      parser.on('packet', (p) => parsed.push(p));
      parser.parse(Buffer.concat(chunks));
      expect(parsed).toHaveLength(1);
      expect(parsed[0]).toMatchObject({ cmd: 'publish', topic: 'vim/reply/t1', qos: 1, messageId: 65535 });
      expect((parsed[0] as mqttPacket.IPublishPacket).payload).toHaveLength(len);
    }
  });
});
