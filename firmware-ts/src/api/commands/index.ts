// Every command and event the gateway serves, in one list, so that gateway.ts
// registers exactly what scripts/gen-asyncapi.ts documents.
import type { CommandDefinition } from '../command.js';
import type { Publisher } from '../command-path.js';
import type { EventDefinition } from '../event.js';
import { QueueService } from '../../services/queue/queue-service.js';
import { VisitsService } from '../../services/visits/visits-service.js';
import type { PaymentsService } from '../../services/payments/payments-service.js';
import { logbookCommands, logbookEvents } from './logbook.js';
import { paymentsCommands, paymentsEvents } from './payments.js';
import { queueCommands, queueEvents, type QueueTicketDevices } from './queue.js';
import { visitsCommands } from './visits.js';
import { requestsCommands } from './requests.js';
import type { RequestsService } from '../../services/requests/requests-service.js';

export interface CommandServices {
  queue?: QueueService;
  queueDevices?: QueueTicketDevices | null;
  visits?: VisitsService;
  requests?: RequestsService | null;
  /** Without it (docs, the tablet catalog) the payments commands answer PAYMENTS_UNAVAILABLE. */
  payments?: PaymentsService | null;
}

export function allCommands(events: Publisher, services: CommandServices = {}): CommandDefinition[] {
  return [...logbookCommands(events), ...queueCommands(events, services.queue ?? new QueueService(), services.queueDevices ?? null), ...paymentsCommands(events, services.payments ?? null), ...requestsCommands(services.requests ?? null), ...visitsCommands(events, services.visits ?? new VisitsService())];
}

export const ALL_EVENTS: readonly EventDefinition[] = [...logbookEvents, ...queueEvents, ...paymentsEvents];
