// The broker under test, in its own process so that its event-loop delay and RSS
// are its own and not the load generator's. Modes:
//   gateway CONFIG  the whole Gateway (firmware-ts/src/gateway.ts) built from CONFIG
//   aedes           a bare aedes broker on a noDelay net server (the anchor)
// It reports {type:'ready', port} over IPC, then answers sample-start / sample-stop
// (event-loop delay and RSS over the window) and stop.
import { Aedes } from 'aedes';
import { createServer, type AddressInfo } from 'node:net';
import { LoopProbe } from './loop-probe.js';
import type { TargetReply, TargetRequest, TargetSample } from './target-protocol.js';

interface Subject {
  port: number;
  counters(): Record<string, number>;
  stop(): Promise<void>;
}

async function startGateway(configFile: string): Promise<Subject> {
  // Imported here, so that the bare aedes anchor does not carry the gateway's modules in its RSS.
  const [{ loadConfig }, { Gateway }, { createLogger }] = await Promise.all([
    import('../../firmware-ts/src/config/load.js'),
    import('../../firmware-ts/src/gateway.js'),
    import('../../firmware-ts/src/log/logger.js'),
  ]);
  const loaded = loadConfig(configFile);
  if (!loaded.ok) throw new Error(`bench config invalid: ${JSON.stringify(loaded.errors)}`);
  const gw = new Gateway(loaded.config, createLogger(loaded.config.log));
  await gw.start();
  return {
    port: gw.broker.port(),
    counters: () => {
      const out: Record<string, number> = {};
      for (const [part, h] of Object.entries(gw.parts())) for (const [k, v] of Object.entries(h.counters ?? {})) out[`${part}.${k}`] = v;
      const commands: Record<string, number> = { ...gw.commands.stats };
      for (const [k, v] of Object.entries(commands)) out[`commands.${k}`] = v;
      return out;
    },
    stop: () => gw.stop(),
  };
}

async function startAedes(): Promise<Subject> {
  const aedes = await Aedes.createBroker();
  const server = createServer({ noDelay: true }, (sock) => aedes.handle(sock));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    counters: () => ({ clients: aedes.connectedClients }),
    stop: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}

class Sampler {
  private readonly probe = new LoopProbe();
  private timer: NodeJS.Timeout | null = null;
  private rssMax = 0;
  private rssStart = 0;
  private cpu = process.cpuUsage();
  private before: Record<string, number> = {};

  constructor(private readonly subject: Subject) {}

  start(): void {
    this.probe.reset();
    this.rssMax = this.rssStart = process.memoryUsage.rss();
    this.before = this.subject.counters();
    this.cpu = process.cpuUsage();
    // Every 250 ms: RSS moves slowly, and each reading is a /proc read that this VM makes
    // expensive (a 50 ms period cost the measured process ~5 % of its main thread).
    this.timer = setInterval(() => (this.rssMax = Math.max(this.rssMax, process.memoryUsage.rss())), 250);
  }

  stop(): TargetSample {
    const eld = this.probe.read();
    const cpu = process.cpuUsage(this.cpu);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const rss = process.memoryUsage.rss();
    this.rssMax = Math.max(this.rssMax, rss);
    const after = this.subject.counters();
    const delta = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (this.before[k] ?? 0)]));
    return {
      eldP50Ms: eld.p50Ms,
      eldP99Ms: eld.p99Ms,
      eldMaxMs: eld.maxMs,
      eldSamples: eld.samples,
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssStartMB: this.rssStart / 2 ** 20,
      rssMaxMB: this.rssMax / 2 ** 20,
      rssEndMB: rss / 2 ** 20,
      heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20,
      counters: after,
      delta,
    };
  }
}

function send(msg: TargetReply): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const [mode, configFile] = process.argv.slice(2);
  const subject = mode === 'gateway' && configFile ? await startGateway(configFile) : mode === 'aedes' ? await startAedes() : null;
  if (!subject) throw new Error('usage: gateway-target.js gateway CONFIG | aedes');
  const sampler = new Sampler(subject);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    subject.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`gateway-target: stop failed: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('message', (m: TargetRequest) => {
    if (m.type === 'sample-start') sampler.start();
    else if (m.type === 'sample-stop') send({ type: 'sample', sample: sampler.stop() });
    else if (m.type === 'stop') stop();
  });
  process.on('disconnect', stop); // the bench went away: do not linger
  process.on('SIGTERM', stop);
  send({ type: 'ready', port: subject.port, readyMs: performance.now() });
}

main().catch((e: unknown) => {
  send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
});
