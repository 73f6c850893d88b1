// Sets up mqtt-packet's two caches of encoded numbers so that neither grows the process.
//
// 1. The Remaining Length cache (MQTT 3.1.1 §2.2.3). writeToStream keeps, for every packet
//    size under 16384 it has written, the 1-2 encoded bytes, and never empties the cache
//    (`varByteIntCache`). Each entry is a slice of Node's shared Buffer pool
//    (Buffer.allocUnsafe), and a slice keeps its whole pool block alive: 8 KiB on Node 20 and
//    22, 64 KiB on Node 24. Filled lazily, one new packet size at a time between the process's
//    other allocations, nearly every entry pins a block of its own. A heap-snapshot diff of
//    the soak found 84 such blocks (690 KB) new in 8 minutes, most of V8's growth; the bound
//    is 16384 blocks, 128 MiB (1 GiB on Node 24). Filled here in one loop with nothing else
//    allocating, the entries share 16 blocks. Upstream: mqttjs/mqtt-packet#163.
// 2. The two-byte number cache (topic lengths, packet ids: §1.5.2). On the first packet it
//    builds 65,536 Buffers, 13.8 MB of RSS measured on Node 20, to save a 2-byte allocation
//    per number written. `cacheNumbers = false` is the library's switch for that trade.
// docs/reliability.md has the soak figures.
import { createRequire } from 'node:module';

interface MqttPacketModule {
  writeToStream: {
    (packet: object, stream: { write(chunk: Buffer): boolean }): boolean;
    cacheNumbers: boolean;
  };
}

/** The largest size the Remaining Length cache holds (writeToStream's `num < 16384`). */
export const CACHED_LENGTHS = 16384;

/**
 * The mqtt-packet copies this process writes with: aedes's for the tablets, mqtt.js's for the
 * push to HQ. They are one module unless npm has nested a second version under either.
 */
export function mqttPacketCopies(): MqttPacketModule[] {
  const here = createRequire(import.meta.url);
  const copies = new Set<MqttPacketModule>();
  for (const owner of ['aedes', 'mqtt']) {
    const req = createRequire(here.resolve(owner));
    copies.add(req('mqtt-packet') as MqttPacketModule);
  }
  return [...copies];
}

const tuned = new WeakSet<MqttPacketModule>();

/**
 * Turns the number cache off and fills the Remaining Length cache with one packet of every
 * size from 2 to 16383, written into a sink: about 60 ms and 2 MB of heap, once, at start.
 * Must run before the first packet, or the number cache is already built. Once per copy:
 * later calls (every Broker start) return at once.
 */
export function tuneMqttPacketCaches(copies: MqttPacketModule[] = mqttPacketCopies()): void {
  const sink = { write: (_chunk: Buffer) => true };
  const topic = Buffer.from('w');
  // One payload, viewed at each length: subarray takes nothing from the pool, so the only
  // pool allocations in the loop are the cache's own entries.
  const payload = Buffer.alloc(CACHED_LENGTHS);
  for (const m of copies) {
    if (tuned.has(m)) continue;
    tuned.add(m);
    m.writeToStream.cacheNumbers = false;
    // A PUBACK's Remaining Length is 2 (§3.4.1).
    m.writeToStream({ cmd: 'puback', messageId: 1 }, sink);
    // A QoS 0 PUBLISH is 2 + topic + payload bytes (§3.3.2): 3 and up with a 1-byte topic.
    const packet = { cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false };
    for (let len = 3; len < CACHED_LENGTHS; len++) {
      packet.payload = payload.subarray(0, len - 3);
      m.writeToStream(packet, sink);
    }
  }
}
