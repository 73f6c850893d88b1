// How an event (`vim/event/<service>/<event>`, DESIGN.md "MQTT API") is declared
// for docs/asyncapi.yaml: its topic, payload schema and examples, next to the
// code that publishes it, like a command's schema sits next to its handler.
import type { TSchema } from '@sinclair/typebox';

export interface EventDefinition {
  topic: string;
  summary: string;
  payload: TSchema;
  /** Validated against `payload` by test/unit/asyncapi.test.ts. */
  examples?: readonly unknown[];
}
