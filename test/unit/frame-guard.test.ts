import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { FrameGuard } from '../../firmware-ts/src/broker/frame-guard.js';

const publish = (bytes: number) =>
  mqttPacket.generate({ cmd: 'publish', topic: 'vim/cmd/logbook/add', payload: Buffer.alloc(bytes, 0x61), qos: 1, messageId: 7, retain: false, dup: false });

describe('MQTT frame guard (MQTT 3.1.1 §2.2.3)', () => {
  it('passes a stream of well-formed packets split at any byte', () => {
    const stream = Buffer.concat([
      mqttPacket.generate({ cmd: 'connect', clientId: 'ayse@t', username: 'ayse', password: Buffer.from('p'), protocolVersion: 4, keepalive: 30, clean: true, protocolId: 'MQTT' }),
      publish(10),
      mqttPacket.generate({ cmd: 'pingreq' }),
      publish(60_000),
      mqttPacket.generate({ cmd: 'disconnect' }),
    ]);
    for (const step of [1, 2, 3, 7, 64, 1000, stream.length]) {
      const g = new FrameGuard(65_536);
      for (let i = 0; i < stream.length; i += step) expect(g.feed(stream.subarray(i, i + step))).toBe(true);
    }
  });

  it('trips on the header of an oversized packet, before its body arrives', () => {
    const big = publish(200_000);
    const g = new FrameGuard(65_536);
    expect(g.feed(big.subarray(0, 5))).toBe(false);
  });

  it('trips on a malformed five-byte remaining length', () => {
    expect(new FrameGuard(1 << 30).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(false);
  });

  it('stays in step with the packets after a large but allowed one (fuzzed sizes)', () => {
    let seed = 3;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const g = new FrameGuard(70_000);
    for (let i = 0; i < 300; i++) {
      const p = publish(Math.floor(rnd() * 69_000));
      let at = 0;
      while (at < p.length) {
        const n = 1 + Math.floor(rnd() * 9000);
        expect(g.feed(p.subarray(at, at + n))).toBe(true);
        at += n;
      }
    }
    expect(g.feed(publish(80_000).subarray(0, 4))).toBe(false);
  });
});
