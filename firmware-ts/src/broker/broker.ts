// The local MQTT broker the tablets use (aedes, MQTT 3.1.1): TCP, optional TLS and
// WebSocket listeners, scrypt authentication, role ACL, per-role limits. Commands
// (`vim/cmd/#`) are handed to the command sink and never routed to subscribers.
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import { unwatchFile, watchFile } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Config, Role } from '../config/schema.js';
import { HealthTracker, type Health, type Part } from '../lifecycle.js';
import { canPublish, canSubscribe, clientIdAllowed } from './acl.js';
import { Authenticator, readCredentials } from './credentials.js';
import { FrameGuard } from './frame-guard.js';
import { sniffCommandId, TokenBucket } from './limits.js';
import { LoginThrottle } from './login-throttle.js';
import { tuneMqttPacketCaches } from './mqtt-packet-caches.js';
import { certUsernameMismatch, plainLoginRefusal, tlsServerOptions } from './tls-options.js';

export interface ClientInfo {
  clientId: string;
  username: string;
  role: Role;
}

export type RefusalCode = 'PAYLOAD_TOO_LARGE' | 'RATE_LIMITED';

/** Where commands go; implemented by the API layer. */
export interface CommandSink {
  accept(client: ClientInfo, topic: string, payload: Buffer): void;
  refuse(client: ClientInfo, topic: string, commandId: string | null, code: RefusalCode, details: Record<string, unknown>): void;
}

interface Session extends ClientInfo {
  bucket: TokenBucket;
  /** Drops a client may earn before it is cut off; spent only on the rate-limited path. */
  strikes: TokenBucket;
  /** When its last over-rate warning was logged: one a second at most, so a burst cannot flood the log. */
  rateLoggedAt: number;
  address: string;
  /**
   * The publish ACL's answers for the topics this session used (a tablet uses a handful).
   * Every publish matched each role pattern by splitting strings; the answer cannot change
   * within a session, since a demoted or removed user's sessions are closed (dropRevoked).
   */
  publishAcl: Map<string, boolean>;
}

/** How many topics a session's ACL cache holds; past it, topics are checked every time. */
const ACL_CACHE_TOPICS = 64;

/** Re-topics a consumed or refused publish to the sink, so aedes routes it nowhere. */
function sinkPacket(packet: PublishPacket): null {
  packet.topic = SINK_TOPIC;
  packet.payload = Buffer.alloc(0);
  packet.retain = false;
  return null;
}

/** Source address of a TCP/TLS socket, or of a WebSocket's upgrade request. */
function remoteAddress(client: Client): string {
  const conn = client.conn as { remoteAddress?: string };
  return conn.remoteAddress ?? client.req?.socket.remoteAddress ?? 'unknown';
}

const COMMAND_PREFIX = 'vim/cmd/';
/** Consumed or dropped publishes are re-topiced here: `$` topics match no wildcard, and no role may subscribe. */
const SINK_TOPIC = '$VIM/consumed';

export type BrokerConfig = Config['broker'];

/**
 * Over-rate drops a client may run up (refilled at its publish rate) before it counts as a
 * flood: twice its burst, so a tablet flushing a backlog after a Wi-Fi gap is refused, not cut.
 */
function floodStrikes(burst: number): number {
  return Math.max(20, 2 * burst);
}

export class Broker implements Part {
  readonly name = 'broker';
  private aedes: Aedes | null = null;
  private standingTimer: NodeJS.Timeout | null = null;
  private servers: (NetServer | HttpServer)[] = [];
  private wss: WebSocketServer | null = null;
  private readonly sessions = new WeakMap<Client, Session>();
  private readonly auth = new Authenticator();
  private readonly throttle = new LoginThrottle();
  private readonly tracker = new HealthTracker();
  private readonly counters = { connects: 0, authFailures: 0, loginsThrottled: 0, aclDenied: 0, rateLimited: 0, floodCutoffs: 0, oversize: 0, commands: 0, revoked: 0, plainRefused: 0 };
  readonly endpoints: string[] = [];
  private credentialsProblem: string | null = null;

  constructor(
    private readonly cfg: BrokerConfig,
    private readonly sink: CommandSink,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.reloadCredentials();
    // Pick up `vimgw user add` without a restart; polling survives the atomic rename.
    watchFile(this.cfg.credentialsFile, { interval: 2000 }, () => this.reloadCredentials());
    // An account's `expires` can pass while its tablet stays connected.
    this.standingTimer = setInterval(() => this.dropRevoked('account expired'), 60_000);
    this.standingTimer.unref();
    // Before the first packet this process writes, the push to HQ's included (it starts later).
    tuneMqttPacketCaches();
    const aedes = await Aedes.createBroker({
      drainTimeout: this.cfg.drainTimeoutMs,
      maxClientsIdLength: 64,
      heartbeatInterval: 60_000,
      connectTimeout: 10_000,
    });
    this.aedes = aedes;
    aedes.authenticate = (client, username, password, done) => this.authenticate(client, username, password, done);
    aedes.authorizePublish = (client, packet, done) => done(this.authorizePublish(client, packet));
    aedes.authorizeSubscribe = (client, sub, done) => done(null, this.authorizeSubscribe(client, sub));
    aedes.on('clientError', (client, err) => this.log.debug({ clientId: client.id, err: err.message }, 'client error'));
    aedes.on('connectionError', (client, err) => this.log.debug({ clientId: client.id, err: err.message }, 'connection error'));
    aedes.on('clientDisconnect', (client) => this.log.debug({ clientId: client.id }, 'client disconnected'));

    const tcp = createNetServer({ noDelay: true }, (sock) => this.handle(aedes, sock));
    await this.listen(tcp, this.cfg.tcp.host, this.cfg.tcp.port, 'mqtt');
    if (this.cfg.tls) {
      const t = this.cfg.tls;
      const tls = createTlsServer(
        tlsServerOptions(t),
        (sock) => {
          sock.setNoDelay(true);
          this.handle(aedes, sock);
        },
      );
      await this.listen(tls, t.host, t.port, 'mqtts');
    }
    if (this.cfg.ws) {
      const http = createHttpServer();
      this.wss = new WebSocketServer({ server: http, maxPayload: this.maxFrame() });
      this.wss.on('connection', (ws, req) => {
        (req.socket as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
        aedes.handle(createWebSocketStream(ws), req);
      });
      await this.listen(http, this.cfg.ws.host, this.cfg.ws.port, 'ws');
    }
    this.tracker.set('ok', `listening on ${this.endpoints.join(', ')}`);
  }

  /**
   * The frame size past which a connection is cut rather than answered: four times
   * the largest role payload limit, but no more than 4 MiB over it (the staff limit
   * carries photos, 12 MiB, and four times that buffered per connection is too much
   * for a Pi). A payload a little over its role's limit (a fifth photo) still gets a
   * PAYLOAD_TOO_LARGE answer from authorizePublish; an absurd one never gets buffered.
   */
  private maxFrame(): number {
    const largest = Math.max(...Object.values(this.cfg.limits).map((l) => l.maxPayloadBytes));
    return Math.min(4 * largest, largest + 4 * 1024 * 1024) + 1024;
  }

  private handle(aedes: Aedes, sock: Socket): void {
    aedes.handle(sock);
    // A 'data' listener beside aedes' 'readable' one sees every chunk aedes reads, without changing its flow.
    const guard = new FrameGuard(this.maxFrame());
    sock.on('data', (chunk: Buffer) => {
      if (guard.feed(chunk)) return;
      this.counters.oversize++;
      this.log.warn({ remote: sock.remoteAddress }, 'oversized or malformed MQTT frame; connection closed');
      sock.destroy();
    });
  }

  private listen(server: NetServer | HttpServer, host: string, port: number, scheme: string): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const a = server.address() as AddressInfo;
        this.endpoints.push(`${scheme}://${host}:${a.port}`);
        this.servers.push(server);
        resolve();
      });
    });
  }

  /** The port actually bound (useful when config asks for port 0). */
  port(scheme = 'mqtt'): number {
    const ep = this.endpoints.find((e) => e.startsWith(`${scheme}://`));
    return ep ? Number(ep.slice(ep.lastIndexOf(':') + 1)) : 0;
  }

  async stop(): Promise<void> {
    unwatchFile(this.cfg.credentialsFile);
    if (this.standingTimer) clearInterval(this.standingTimer);
    this.standingTimer = null;
    this.wss?.close();
    // Stop listening first, but a server's close() completes only when every connection has
    // ended, and connected tablets keep theirs open: closing aedes (which closes its clients)
    // has to come before waiting on the servers, or a stop with tablets online hung until
    // main.ts's 10 s deadline killed the process, before the store was flushed.
    const closed = this.servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    this.servers = [];
    if (this.aedes) {
      const a = this.aedes;
      await new Promise<void>((r) => a.close(() => r()));
    }
    this.aedes = null;
    await Promise.all(closed);
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const base = this.tracker.get();
    // Listening but nobody can log in is not "ok".
    const h = base.state === 'ok' && this.credentialsProblem ? { ...base, state: 'degraded' as const, detail: this.credentialsProblem } : base;
    h.counters = { ...this.counters, clients: this.aedes?.connectedClients ?? 0, users: this.auth.size };
    return h;
  }

  /** Publishes on behalf of the gateway (state, events, replies); bypasses the ACL. */
  publish(topic: string, payload: string | Buffer, opts: { retain?: boolean; qos?: 0 | 1 } = {}): Promise<void> {
    const a = this.aedes;
    if (!a) return Promise.resolve();
    const packet = {
      cmd: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      qos: opts.qos ?? 1,
      retain: opts.retain ?? false,
      dup: false,
    } as PublishPacket;
    return new Promise((resolve, reject) => a.publish(packet, (err) => (err ? reject(err) : resolve())));
  }

  private reloadCredentials(): void {
    try {
      this.auth.load(readCredentials(this.cfg.credentialsFile));
      this.credentialsProblem = this.auth.size === 0 ? `no users in ${this.cfg.credentialsFile}: every login is refused` : null;
      this.log.info({ users: this.auth.size, file: this.cfg.credentialsFile }, 'broker users loaded');
      this.dropRevoked('account removed, expired or given another role');
    } catch (e) {
      // Keep the users we had: a half-written or broken file must not lock everyone out.
      this.credentialsProblem = `credentials file rejected (${(e as Error).message}); ${this.auth.size} earlier users kept`;
      this.log.error({ err: (e as Error).message }, 'credentials file rejected; keeping previous users');
    }
  }

  /**
   * Disconnects sessions whose user no longer holds the role they logged in with: a removed
   * user (`vimgw user remove`), an expired account, or a role change. Without this a revoked
   * tablet would keep its session until it next reconnected.
   */
  private dropRevoked(why: string): void {
    // aedes keeps its connected clients by id; its typings do not declare the map.
    const clients = (this.aedes as unknown as { clients?: Record<string, Client> } | null)?.clients ?? {};
    for (const client of Object.values(clients)) {
      const s = this.sessions.get(client);
      if (!s || this.auth.standing(s.username) === s.role) continue;
      this.counters.revoked++;
      this.log.warn({ clientId: client.id, username: s.username, why }, 'session of a revoked user closed');
      client.close();
    }
  }

  /** Whether `username` may authorise voids and refunds (users file `"supervisor": true`, staff only). */
  isSupervisor(username: string): boolean {
    return this.auth.isSupervisor(username);
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const address = remoteAddress(client);
    const answer = (returnCode: 2 | 4 | 5, why: string) => {
      const err = new Error(why) as AuthenticateError;
      err.returnCode = returnCode;
      done(err, false);
    };
    const refuse = (returnCode: 2 | 4 | 5, why: string, user: string | null) => {
      this.counters.authFailures++;
      const lockMs = this.throttle.failed(address, user);
      this.log.warn({ clientId: client.id, username, address, why, ...(lockMs ? { lockedForMs: lockMs } : {}) }, 'connection refused');
      answer(returnCode, why);
    };
    if (!username || !password) return refuse(4, 'anonymous clients are not allowed', null);
    // A locked address or username is refused before scrypt, with the same code as a wrong password,
    // so a guesser cannot tell a checked guess from an ignored one. Debug only: a flood must not fill the log.
    const admitted = this.throttle.admit(address, username);
    if (!admitted.ok) {
      this.counters.loginsThrottled++;
      this.log.debug({ clientId: client.id, username, address, by: admitted.by, retryMs: Math.round(admitted.retryMs) }, 'login throttled');
      return answer(4, `too many failed logins (${admitted.by})`);
    }
    if (!clientIdAllowed(username, client.id)) return refuse(2, `client id must be "${username}" or "${username}@<device>"`, null);
    // Before scrypt: a certificate for another user is refused like a wrong password, and counts as one.
    const certProblem = this.cfg.tls?.certIsUsername ? certUsernameMismatch(client.conn, username) : null;
    if (certProblem) return refuse(4, certProblem, username);
    this.auth.check(username, password.toString('utf8')).then(
      (role) => {
        if (!role) return refuse(4, this.auth.isExpired(username) ? 'account expired' : 'bad username or password', username);
        this.throttle.succeeded(address, username);
        const plain = plainLoginRefusal(this.cfg.tls, client.conn, address, role);
        if (plain) {
          // Right password, wrong door: not a guess, so not counted for the login throttle.
          this.counters.plainRefused++;
          this.log.warn({ clientId: client.id, username, address }, plain);
          return answer(5, plain);
        }
        const limit = this.cfg.limits[role];
        this.sessions.set(client, {
          clientId: client.id,
          username,
          role,
          address,
          bucket: new TokenBucket(limit.publishPerSecond, limit.burst),
          strikes: new TokenBucket(limit.publishPerSecond, floodStrikes(limit.burst)),
          rateLoggedAt: 0,
          publishAcl: new Map(),
        });
        this.counters.connects++;
        this.log.info({ clientId: client.id, username, role }, 'client connected');
        done(null, true);
      },
      (e: unknown) => refuse(5, `authentication error: ${String(e)}`, null),
    );
  }

  /** Returns null to let the packet through; consumed or refused packets are re-topiced to the sink. */
  private authorizePublish(client: Client | null, packet: PublishPacket): null {
    if (!client) return null; // a will published by aedes itself
    const s = this.sessions.get(client);
    const topic = packet.topic;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const drop = () => sinkPacket(packet);
    if (!s || !this.mayPublish(s, topic)) {
      this.counters.aclDenied++;
      this.log.warn({ clientId: client.id, role: s?.role, topic }, 'publish outside ACL dropped');
      return drop();
    }
    const isCommand = topic.startsWith(COMMAND_PREFIX);
    const max = this.cfg.limits[s.role].maxPayloadBytes;
    if (payload.length > max) {
      this.counters.oversize++;
      this.log.warn({ clientId: client.id, topic, bytes: payload.length, max }, 'oversized publish dropped');
      if (isCommand) this.sink.refuse(s, topic, sniffCommandId(payload), 'PAYLOAD_TOO_LARGE', { field: 'payload', bytes: payload.length, max });
      return drop();
    }
    if (!s.bucket.take()) {
      this.counters.rateLimited++;
      if (!s.strikes.take()) return this.cutOff(client, s, drop);
      const t = performance.now();
      if (t - s.rateLoggedAt > 1000) {
        s.rateLoggedAt = t;
        this.log.warn({ clientId: client.id, topic, rateLimitedSoFar: this.counters.rateLimited }, 'publish over rate limit dropped (logged once a second)');
      }
      if (isCommand) this.sink.refuse(s, topic, sniffCommandId(payload), 'RATE_LIMITED', { perSecond: this.cfg.limits[s.role].publishPerSecond });
      return drop();
    }
    if (isCommand) {
      this.counters.commands++;
      this.sink.accept(s, topic, payload);
      return drop();
    }
    return null;
  }

  private mayPublish(s: Session, topic: string): boolean {
    let allowed = s.publishAcl.get(topic);
    if (allowed === undefined) {
      allowed = canPublish(s.role, s.clientId, topic);
      if (s.publishAcl.size < ACL_CACHE_TOPICS) s.publishAcl.set(topic, allowed);
    }
    return allowed;
  }

  /**
   * A client that keeps publishing over its rate after many refusals is flooding: answering each
   * drop would cost as much as the flood, so it is disconnected and its address locked for a while.
   */
  private cutOff(client: Client, s: Session, drop: () => null): null {
    if (!client.closed) {
      this.counters.floodCutoffs++;
      const lockMs = this.throttle.penalize(s.address);
      this.log.warn({ clientId: client.id, address: s.address, lockedForMs: lockMs }, 'client flooding over its rate limit; disconnected');
      client.close();
    }
    return drop();
  }

  private authorizeSubscribe(client: Client, sub: Subscription): Subscription | null {
    const s = this.sessions.get(client);
    if (s && canSubscribe(s.role, client.id, sub.topic)) return sub;
    this.counters.aclDenied++;
    this.log.warn({ clientId: client.id, role: s?.role, topic: sub.topic }, 'subscription outside ACL refused');
    return null;
  }
}
