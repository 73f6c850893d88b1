// `vimgw tablet ...`: the reference tablet client (issue 5). It logs in to the
// gateway's broker as a tablet would, subscribes to its own vim/reply/<clientId>,
// publishes one command with QoS 1 and prints the reply with the same id; or it
// watches state and event topics. Everything it knows about commands comes from
// the registered definitions (tablet-catalog.ts), so it needs no change when the
// gateway gains a command. Arguments are checked before the password is asked for.
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { topicOf, type CommandDefinition } from '../api/command.js';
import { EXIT, printJson } from './output.js';
import { parseTabletArgv, type ClientOptions } from './tablet-args.js';
import { commandCatalog } from './tablet-catalog.js';
import { catalogJson, formatCatalog, formatCommandHelp, formatMessage, formatReply, TABLET_HELP, type Reply } from './tablet-format.js';
import { readSecret } from './user.js';

/**
 * broker/acl.ts ties a client id to its user: `<username>` or `<username>@<device>`.
 * A random device part keeps two terminals of the same user from taking over each
 * other's session (and each other's replies).
 */
export function tabletClientId(user: string): string {
  return `${user}@tablet-${randomBytes(4).toString('hex')}`;
}

export async function tabletCommand(argv: readonly string[]): Promise<number> {
  const catalog = commandCatalog();
  const inv = parseTabletArgv(argv, catalog);
  switch (inv.kind) {
    case 'help':
      process.stdout.write(`${TABLET_HELP}\n`);
      return inv.usage ? EXIT.usage : EXIT.ok;
    case 'list':
      if (inv.opts.json) printJson(catalogJson(catalog));
      else process.stdout.write(`${formatCatalog(catalog)}\n`);
      return EXIT.ok;
    case 'command-help':
      process.stdout.write(`${formatCommandHelp(inv.def)}\n`);
      return EXIT.ok;
    case 'send':
      return sendCommand(inv.opts, await password(), inv.def, inv.payload);
    case 'watch':
      return watchTopics(inv.opts, await password(), inv.topics, inv.count);
  }
}

async function password(): Promise<string> {
  return process.env.VIMGW_PASSWORD ?? (await readSecret('password: '));
}

/** Why a session ended early, and with which exit code. */
class Stop extends Error {
  constructor(
    readonly exit: number,
    message: string,
  ) {
    super(message);
  }
}

/** Exit 1 when the broker answered and refused the login (retrying will not help), 3 when it could not be reached. */
function connectFailure(url: string, e: Error & { code?: unknown }): Stop {
  if (typeof e.code === 'number') return new Stop(EXIT.failed, `the gateway's broker at ${url} refused the login: ${e.message}`);
  return new Stop(EXIT.unreachable, `cannot reach the gateway's broker at ${url}: ${e.message}`);
}

/**
 * Connects and resolves once connected, or rejects with a Stop. One deadline covers
 * connecting: mqtt.js' own connectTimeout does not surface as an error event with
 * reconnects off, so a silent peer would otherwise hang the CLI.
 */
function connect(opts: ClientOptions, password: string, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(opts.url, {
      username: opts.user,
      password,
      clientId,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: opts.timeoutS * 1000,
      protocolVersion: 4,
    });
    let settled = false;
    const fail = (stop: Stop) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      c.end(true);
      reject(stop);
    };
    const timer = setTimeout(() => fail(new Stop(EXIT.unreachable, `cannot reach the gateway's broker at ${opts.url} within ${opts.timeoutS} s`)), opts.timeoutS * 1000);
    c.once('error', (e) => fail(connectFailure(opts.url, e)));
    c.once('close', () => fail(new Stop(EXIT.unreachable, `the gateway's broker at ${opts.url} closed the connection`)));
    c.once('connect', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      c.removeAllListeners('error');
      c.removeAllListeners('close');
      // An emitter without an 'error' listener throws; a broken connection is reported through 'close'.
      c.on('error', () => undefined);
      resolve(c);
    });
  });
}

/** mqtt.js fails a subscribe whose SUBACK has a 0x80 code (outside the user's ACL) with the SUBACK attached. */
function refusedSubscription(err: Error | null | undefined): boolean {
  const packet: unknown = err && 'packet' in err ? err.packet : undefined;
  const granted = typeof packet === 'object' && packet !== null && 'granted' in packet ? packet.granted : undefined;
  return Array.isArray(granted) && granted.some((g) => typeof g === 'number' && (g & 0x80) !== 0);
}

function report(e: unknown): number {
  if (e instanceof Stop) {
    process.stderr.write(`${e.message}\n`);
    return e.exit;
  }
  throw e;
}

function endQuietly(c: MqttClient): Promise<void> {
  return new Promise((resolve) => c.end(true, {}, () => resolve()));
}

/**
 * Subscribes to the client's own reply topic *before* publishing (the gateway answers
 * once, QoS 0, and keeps no reply for late subscribers), publishes the command with
 * QoS 1, and waits for the reply carrying its id.
 */
export async function sendCommand(opts: ClientOptions, password: string, def: CommandDefinition, payload: { id: string }): Promise<number> {
  const started = Date.now();
  const clientId = tabletClientId(opts.user);
  let c: MqttClient;
  try {
    c = await connect(opts, password, clientId);
  } catch (e) {
    return report(e);
  }
  const topic = topicOf(def);
  try {
    const reply = await exchange(c, opts, clientId, topic, payload, def, started);
    if (opts.json) process.stdout.write(`${JSON.stringify(reply)}\n`);
    else process.stdout.write(`${formatReply(reply)}\n`);
    return reply.ok ? EXIT.ok : EXIT.failed;
  } catch (e) {
    return report(e);
  } finally {
    await endQuietly(c);
  }
}

function exchange(c: MqttClient, opts: ClientOptions, clientId: string, topic: string, payload: { id: string }, def: CommandDefinition, started: number): Promise<Reply> {
  const replyTopic = `vim/reply/${clientId}`;
  return new Promise<Reply>((resolve, reject) => {
    const left = Math.max(1, opts.timeoutS * 1000 - (Date.now() - started));
    const done = (err: Stop | null, r?: Reply) => {
      clearTimeout(timer);
      c.off('message', onMessage);
      c.off('close', onClose);
      if (err) reject(err);
      else resolve(r!);
    };
    // The broker drops a publish outside the user's ACL without a word, so silence
    // may mean "wrong role" as much as "gateway down"; the id makes the retry safe.
    const timer = setTimeout(
      () =>
        done(
          new Stop(
            EXIT.unreachable,
            `no reply to ${topic} within ${opts.timeoutS} s (is the gateway running? may user ${opts.user} send it? roles: ${def.roles.join(', ')}); ` +
              `retry safely with --id ${payload.id}`,
          ),
        ),
      left,
    );
    const onClose = () => done(new Stop(EXIT.unreachable, `the connection to ${opts.url} was lost before the reply; retry safely with --id ${payload.id}`));
    const onMessage = (t: string, buf: Buffer) => {
      if (t !== replyTopic) return;
      let r: Reply;
      try {
        r = JSON.parse(buf.toString('utf8')) as Reply;
      } catch {
        return;
      }
      // The reply topic is this process's alone; a null id is the gateway's answer to a
      // payload it could not read, which can only be ours.
      if (r.id === payload.id || r.id === null) done(null, r);
    };
    c.on('message', onMessage);
    c.on('close', onClose);
    c.subscribe(replyTopic, { qos: 1 }, (err) => {
      if (refusedSubscription(err)) return done(new Stop(EXIT.failed, `the broker refused ${replyTopic}: user ${opts.user}'s role cannot receive replies`));
      if (err) return done(new Stop(EXIT.unreachable, `subscribing to ${replyTopic} failed: ${err.message}`));
      c.publish(topic, JSON.stringify(payload), { qos: 1 }, (perr) => {
        if (perr) done(new Stop(EXIT.unreachable, `publishing ${topic} failed: ${perr.message}; retry safely with --id ${payload.id}`));
      });
    });
  });
}

/** Prints every message on `topics` until Ctrl-C, or until `count` messages were printed. */
export async function watchTopics(opts: ClientOptions, password: string, topics: readonly string[], count: number | null): Promise<number> {
  let c: MqttClient;
  try {
    c = await connect(opts, password, tabletClientId(opts.user));
  } catch (e) {
    return report(e);
  }
  const code = await new Promise<number>((resolve) => {
    let seen = 0;
    let finished = false;
    const finish = (n: number) => {
      if (finished) return;
      finished = true;
      process.off('SIGINT', onSigint);
      c.off('message', onMessage);
      resolve(n);
    };
    const onSigint = () => finish(EXIT.ok);
    // Every SUBACK is awaited before a --count run ends, so a refused filter is always named
    // (a retained message can arrive before the broker's answer to the next filter).
    let unanswered = topics.length;
    const onMessage = (topic: string, buf: Buffer, packet: { retain?: boolean }) => {
      if (count !== null && seen >= count) return;
      process.stdout.write(`${formatMessage(new Date(), topic, buf, packet.retain === true, opts.json)}\n`);
      if (count !== null && ++seen >= count && unanswered === 0) finish(EXIT.ok);
    };
    process.on('SIGINT', onSigint);
    c.on('message', onMessage);
    c.once('close', () => {
      process.stderr.write(`the connection to ${opts.url} was lost\n`);
      finish(EXIT.unreachable);
    });
    // One SUBSCRIBE per filter: mqtt.js fails a whole SUBSCRIBE when any filter is refused,
    // and a refused filter (outside the user's ACL) should be named while the others are watched.
    let refused = 0;
    for (const t of topics) {
      c.subscribe(t, { qos: 0 }, (err) => {
        unanswered--;
        if (finished) return;
        if (!err) {
          if (count !== null && seen >= count && unanswered === 0) finish(EXIT.ok);
          return;
        }
        if (!refusedSubscription(err)) {
          process.stderr.write(`subscribing to ${t} failed: ${err.message}\n`);
          return finish(EXIT.unreachable);
        }
        process.stderr.write(`the broker refused ${t} for user ${opts.user}\n`);
        if (++refused === topics.length) finish(EXIT.failed);
        else if (count !== null && seen >= count && unanswered === 0) finish(EXIT.ok);
      });
    }
  });
  c.removeAllListeners('close');
  await endQuietly(c);
  return code;
}
