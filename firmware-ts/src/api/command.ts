// How a command is declared: its topic, its payload schema (next to its handler,
// DESIGN.md "Schemas"), the roles allowed to send it, and a handler that runs
// inside the store transaction. Side effects that others may see (events) go in
// afterCommit, which only runs once the answer is durable.
//
// A command that must wait for a device (a card sale takes seconds on the terminal)
// cannot hold the group-committed transaction open that long: it is declared with
// `run` instead of `handle` (defineAsyncCommand) and makes its own transactions.
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import type { ClientInfo } from '../broker/broker.js';
import type { Role } from '../config/schema.js';
import { UUID_PATTERN } from '../platform/ids.js';
import type { Store, Tx } from '../store/store.js';

export const CommandId = Type.String({ pattern: UUID_PATTERN, description: 'Command id (UUID); a retry reuses it' });

/** Every command payload is a closed object with an `id`. */
export function CommandPayload<P extends TProperties>(props: P, description: string) {
  return Type.Object({ id: CommandId, ...props }, { additionalProperties: false, description });
}

export interface CommandContext {
  client: ClientInfo;
  commandId: string;
  /**
   * payloadHash(topic, args), the hash the command path files the answer under. Computed
   * once per command and handed on: over a request's photos it costs milliseconds per MB.
   */
  payloadHash: string;
}

interface CommandInfo<S extends TObject> {
  service: string;
  action: string;
  summary: string;
  roles: readonly Role[];
  payload: S;
  /** Schema of `result` in the ok reply; docs/asyncapi.yaml shows it (the command path does not check it). */
  result?: TSchema;
  /** Example payloads for docs/asyncapi.yaml; test/unit/asyncapi.test.ts validates each against `payload`. */
  examples?: readonly unknown[];
}

export interface SyncCommandDefinition<S extends TObject = TObject, R = unknown> extends CommandInfo<S> {
  handle(ctx: CommandContext, args: Static<S>, tx: Tx): R;
  afterCommit?(ctx: CommandContext, result: R): void;
}

/**
 * A command whose answer waits for something outside the store. `run` is awaited
 * outside any transaction and writes through `store.transact` itself, each write
 * durable before it goes on. The command path keeps it idempotent while it runs (a
 * retry of the same id waits for the same answer, never a second run) and stores the
 * answer when it resolves. A crash before the answer is stored leaves no answer, so a
 * retry after a restart runs it again: `run` must itself find what it already did
 * under `ctx.commandId` and answer from that (never repeat a side effect).
 * A thrown ApiError is answered and not stored, like a refused synchronous command.
 */
export interface AsyncCommandDefinition<S extends TObject = TObject, R = unknown> extends CommandInfo<S> {
  run(ctx: CommandContext, args: Static<S>, store: Store): Promise<R>;
}

export type CommandDefinition<S extends TObject = TObject, R = unknown> = SyncCommandDefinition<S, R> | AsyncCommandDefinition<S, R>;

export function isAsyncCommand(def: CommandDefinition): def is AsyncCommandDefinition {
  return 'run' in def;
}

export function topicOf(def: Pick<CommandInfo<TObject>, 'service' | 'action'>): string {
  return `vim/cmd/${def.service}/${def.action}`;
}

/** Keeps the precise payload type at the definition site while storing a uniform list. */
export function defineCommand<S extends TObject, R>(def: SyncCommandDefinition<S, R>): CommandDefinition {
  return def;
}

export function defineAsyncCommand<S extends TObject, R>(def: AsyncCommandDefinition<S, R>): CommandDefinition {
  return def;
}
