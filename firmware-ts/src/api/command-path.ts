// The one generic command path (issue 2 §7): parse, validate against the schema,
// check the role, check idempotency, run the handler inside the group-committed
// transaction, and answer on vim/reply/<clientId> only after the commit.
// Async commands (command.ts `run`) answer after their own writes instead; a retry
// of one still running joins it rather than running it twice.
import type { Logger } from 'pino';
import type { ClientInfo, CommandSink, RefusalCode } from '../broker/broker.js';
import { compile, type Validator } from '../schema/validator.js';
import { payloadHash } from '../store/idempotency.js';
import { StoreError } from '../store/errors.js';
import type { Store, Tx } from '../store/store.js';
import { isAsyncCommand, topicOf, type AsyncCommandDefinition, type CommandContext, type CommandDefinition, type SyncCommandDefinition } from './command.js';
import { ApiError, errorAnswer, type Answer } from './errors.js';
import { TObject } from '@sinclair/typebox';

export interface Publisher {
  publish(topic: string, payload: string, opts?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
}

interface Registered {
  def: CommandDefinition;
  validator: Validator<TObject>;
}

export interface CommandPathStats {
  ok: number;
  replayed: number;
  rejected: number;
  failed: number;
}

export class CommandPath implements CommandSink {
  private readonly registry = new Map<string, Registered>();
  private publisher: Publisher | null = null;
  /** Async commands still running, by id: a retry waits for the same answer instead of a second run. */
  private readonly inflight = new Map<string, { username: string; hash: string; topic: string; answer: Promise<Answer> }>();
  readonly stats: CommandPathStats = { ok: 0, replayed: 0, rejected: 0, failed: 0 };

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  register(defs: readonly CommandDefinition[]): void {
    for (const def of defs) {
      const topic = topicOf(def);
      if (this.registry.has(topic)) throw new Error(`command ${topic} registered twice`);
      this.registry.set(topic, { def, validator: compile(def.payload) });
    }
  }

  get commands(): CommandDefinition[] {
    return [...this.registry.values()].map((r) => r.def);
  }

  /** Replies go out through the broker, which is built after the command path. */
  attach(publisher: Publisher): void {
    this.publisher = publisher;
  }

  accept(client: ClientInfo, topic: string, payload: Buffer, ack: () => void = () => {}): void {
    // An async command (a card payment) may run for minutes: its PUBACK goes now. The others
    // answer within a commit, and their PUBACK follows the reply in the same socket write.
    const reg = this.registry.get(topic);
    if (reg && isAsyncCommand(reg.def)) ack();
    this.execute(client, topic, payload).then(
      (answer) => {
        this.reply(client, answer);
        ack();
      },
      (e: unknown) => {
        this.stats.failed++;
        this.log.error({ err: e, topic, clientId: client.clientId }, 'command path failed');
        this.reply(client, errorAnswer(null, new ApiError('INTERNAL', 'internal error')));
        ack();
      },
    );
  }

  refuse(client: ClientInfo, topic: string, commandId: string | null, code: RefusalCode, details: Record<string, unknown>): void {
    this.stats.rejected++;
    const message = code === 'PAYLOAD_TOO_LARGE' ? `payload: must be at most ${String(details.max)} bytes` : 'publish rate limit exceeded';
    this.reply(client, errorAnswer(commandId, new ApiError(code, message, { topic, ...details })));
  }

  /** Runs one command to its answer; never throws. */
  async execute(client: ClientInfo, topic: string, payload: Buffer): Promise<Answer> {
    let id: string | null = null;
    try {
      const doc = parseJson(payload);
      id = typeof doc.id === 'string' ? doc.id : null;
      const reg = this.registry.get(topic);
      if (!reg) throw new ApiError('UNKNOWN_COMMAND', `topic: no command ${topic}`, { field: 'topic', known: [...this.registry.keys()] });
      if (!reg.def.roles.includes(client.role)) {
        throw new ApiError('FORBIDDEN', `role ${client.role} may not send ${topic}`, { role: client.role });
      }
      const v = reg.validator.check(doc);
      if (!v.ok) {
        const first = v.errors[0]!;
        throw new ApiError('INVALID_PAYLOAD', `${first.path || 'payload'}: ${first.message}`, { errors: v.errors });
      }
      const args = v.value as Record<string, unknown> & { id: string };
      const hash = payloadHash(topic, args);
      const ctx: CommandContext = { client, commandId: args.id, payloadHash: hash };
      const def = reg.def;
      if (isAsyncCommand(def)) {
        // Checked before run(), which acts on the world (a card terminal) outside any transaction.
        const known = await this.storedAnswer(args.id, client.username, hash);
        if (known) return known;
        return await this.runAsync(def, ctx, args, topic, hash);
      }
      let replayed = false;
      // No read before the transaction: the lookup inside it answers a retry, and a separate
      // read transaction per command costs SQLite's WAL read locks (fcntl calls) on every command.
      const outcome = await this.transactOrReplay(args.id, client.username, hash, (tx): Answer => {
        // Checked inside the transaction, so a retry racing its original (even in the same batch) is seen.
        const seen = tx.idempotency.lookup(args.id, client.username, hash);
        if (seen.kind === 'replay') {
          replayed = true;
          return seen.answer as Answer;
        }
        if (seen.kind === 'conflict') throw conflict(args.id, seen.firstTopic);
        const result = def.handle(ctx, args, tx);
        const a: Answer = { id: args.id, ok: true, result };
        tx.idempotency.remember(args.id, client.username, topic, hash, a);
        return a;
      });
      if ('replay' in outcome) return outcome.replay; // counted by storedAnswer
      const answer = outcome.value;
      if (replayed) {
        this.stats.replayed++;
      } else {
        this.stats.ok++;
        if (answer.ok) this.runAfterCommit(def, ctx, answer.result);
      }
      return answer;
    } catch (e) {
      if (e instanceof ApiError) {
        this.stats.rejected++;
        this.log.info({ clientId: client.clientId, topic, code: e.code, reason: e.message }, 'command rejected');
        return errorAnswer(id, e);
      }
      if (e instanceof StoreError) {
        this.stats.failed++;
        this.log.error({ clientId: client.clientId, topic, code: e.code }, 'command not stored');
        return errorAnswer(id, new ApiError(e.code, e.message));
      }
      // A bug in a handler: logged in full, answered without internals, with the id so the tablet knows which.
      this.stats.failed++;
      this.log.error({ err: e, topic, clientId: client.clientId, id }, 'command failed with an internal error');
      return errorAnswer(id, new ApiError('INTERNAL', 'internal error'));
    }
  }

  /**
   * A stored answer for `id` (a retry), read outside any write transaction and only once it
   * is durable; null for a new id. Throws CONFLICT for an id used for a different command.
   */
  private async storedAnswer(id: string, username: string, hash: string): Promise<Answer | null> {
    const known = this.store.read((tx) => tx.idempotency.lookup(id, username, hash));
    if (known.kind === 'conflict') throw conflict(id, known.firstTopic);
    if (known.kind === 'new') return null;
    await this.store.whenDurable(); // committed is not yet on disk while its batch's sync runs
    this.stats.replayed++;
    return known.answer as Answer;
  }

  /**
   * Runs `work` in the group commit. When the write path fails (a full disk, a failed sync),
   * a retry of a command stored earlier is still answered from a read, so a tablet whose
   * reply was lost is not told its durable command failed.
   */
  private async transactOrReplay<T>(id: string, username: string, hash: string, work: (tx: Tx) => T): Promise<{ value: T } | { replay: Answer }> {
    try {
      return { value: await this.store.transact(work) };
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      let known: Answer | null = null;
      try {
        known = await this.storedAnswer(id, username, hash);
      } catch (readError) {
        if (readError instanceof ApiError) throw readError; // CONFLICT
      }
      if (known) return { replay: known };
      throw e;
    }
  }

  private runAsync(def: AsyncCommandDefinition, ctx: CommandContext, args: Record<string, unknown> & { id: string }, topic: string, hash: string): Promise<Answer> {
    const running = this.inflight.get(args.id);
    if (running) {
      if (running.username !== ctx.client.username || running.hash !== hash) throw conflict(args.id, running.topic);
      this.stats.replayed++;
      return running.answer;
    }
    const answer = this.finishAsync(def, ctx, args, topic, hash);
    this.inflight.set(args.id, { username: ctx.client.username, hash, topic, answer });
    const done = () => void this.inflight.delete(args.id);
    answer.then(done, done);
    return answer;
  }

  /** Runs an async command and stores its answer, so later retries are answered from the table. */
  private async finishAsync(def: AsyncCommandDefinition, ctx: CommandContext, args: Record<string, unknown> & { id: string }, topic: string, hash: string): Promise<Answer> {
    const result = await def.run(ctx, args, this.store);
    const a: Answer = { id: args.id, ok: true, result };
    try {
      await this.store.transact((tx) => {
        if (tx.idempotency.lookup(args.id, ctx.client.username, hash).kind === 'new') tx.idempotency.remember(args.id, ctx.client.username, topic, hash, a);
      });
    } catch (e) {
      // What run() did is durable in its own records; a retry finds it there (command.ts).
      this.log.warn({ err: e, topic, id: args.id }, 'async command answered but its answer was not stored');
    }
    this.stats.ok++;
    return a;
  }

  private runAfterCommit(def: SyncCommandDefinition, ctx: CommandContext, result: unknown): void {
    try {
      def.afterCommit?.(ctx, result);
    } catch (e) {
      // The record is durable and the answer stands; a failed side effect is logged, not rolled back.
      this.log.error({ err: e, command: topicOf(def) }, 'afterCommit failed');
    }
  }

  /**
   * QoS 0: a reply lost with a connection is recovered by the tablet retrying the
   * same id (the stored answer comes back), so QoS 1's PUBACK round and the broker's
   * per-message state buy nothing here; the bench measured +40 % commands/s.
   */
  private reply(client: ClientInfo, answer: Answer): void {
    this.publisher?.publish(`vim/reply/${client.clientId}`, JSON.stringify(answer), { qos: 0 }).catch((e: unknown) => {
      this.log.warn({ err: e, clientId: client.clientId }, 'reply not delivered');
    });
  }
}

function conflict(id: string, firstTopic: string): ApiError {
  return new ApiError('CONFLICT', `id: ${id} was already used for a different command`, { field: 'id', firstTopic });
}

function parseJson(payload: Buffer): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (e) {
    // V8 quotes the start of the input ("Unexpected token 'x', \"...\" is not valid JSON"), which may be a
    // citizen's TC Kimlik No or phone (DESIGN.md non-negotiable 6): the reply and the log keep the reason only.
    const reason = (e as Error).message.replace(/,\s*"[\s\S]*"\s*is not valid JSON$/, '');
    throw new ApiError('BAD_JSON', `payload: is not valid JSON (${reason})`, { field: 'payload' });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ApiError('BAD_JSON', 'payload: must be a JSON object', { field: 'payload' });
  }
  return doc as Record<string, unknown>;
}
