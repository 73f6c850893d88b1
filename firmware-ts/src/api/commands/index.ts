// Every command and event the gateway serves, in one list, so that gateway.ts
// registers exactly what scripts/gen-asyncapi.ts documents.
import type { CommandDefinition } from '../command.js';
import type { Publisher } from '../command-path.js';
import type { EventDefinition } from '../event.js';
import { logbookCommands, logbookEvents } from './logbook.js';

export function allCommands(events: Publisher): CommandDefinition[] {
  return [...logbookCommands(events)];
}

export const ALL_EVENTS: readonly EventDefinition[] = [...logbookEvents];
