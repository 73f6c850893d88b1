// How a command is declared: its topic, its payload schema (next to its handler,
// DESIGN.md "Schemas"), the roles allowed to send it, and a handler that runs
// inside the store transaction. Side effects that others may see (events) go in
// afterCommit, which only runs once the answer is durable.
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import type { ClientInfo } from '../broker/broker.js';
import type { Role } from '../config/schema.js';
import { UUID_PATTERN } from '../platform/ids.js';
import type { Tx } from '../store/store.js';

export const CommandId = Type.String({ pattern: UUID_PATTERN, description: 'Command id (UUID); a retry reuses it' });

/** Every command payload is a closed object with an `id`. */
export function CommandPayload<P extends TProperties>(props: P, description: string) {
  return Type.Object({ id: CommandId, ...props }, { additionalProperties: false, description });
}

export interface CommandContext {
  client: ClientInfo;
  commandId: string;
}

export interface CommandDefinition<S extends TObject = TObject, R = unknown> {
  service: string;
  action: string;
  summary: string;
  roles: readonly Role[];
  payload: S;
  /** Schema of `result` in the ok reply; docs/asyncapi.yaml shows it (the command path does not check it). */
  result?: TSchema;
  /** Example payloads for docs/asyncapi.yaml; test/unit/asyncapi.test.ts validates each against `payload`. */
  examples?: readonly unknown[];
  handle(ctx: CommandContext, args: Static<S>, tx: Tx): R;
  afterCommit?(ctx: CommandContext, result: R): void;
}

export function topicOf(def: Pick<CommandDefinition, 'service' | 'action'>): string {
  return `vim/cmd/${def.service}/${def.action}`;
}

/** Keeps the precise payload type at the definition site while storing a uniform list. */
export function defineCommand<S extends TObject, R>(def: CommandDefinition<S, R>): CommandDefinition {
  return def;
}
