// Builds the payments service from the config and the parts it uses: the card terminal
// (its PaymentTerminal port), the receipt printer, the broker's users file (who is a
// supervisor) and, when there is one, the visits service (the stop printed on the
// makbuz). Part of the composition root, like device-parts.ts.
import type { Logger } from 'pino';
import { ticketPrinterPort } from './adapters/queue-ports.js';
import type { Broker } from './broker/broker.js';
import type { Config } from './config/schema.js';
import type { Devices } from './device-parts.js';
import { partLogger } from './log/logger.js';
import { PaymentsService } from './services/payments/payments-service.js';
import type { VisitPort } from './services/payments/ports.js';
import type { Store } from './store/store.js';

export function buildPayments(config: Config, store: Store, devices: Devices, broker: Pick<Broker, 'isSupervisor'>, log: Logger, visits: VisitPort | null = null): PaymentsService {
  const p = config.payments;
  const printer = (p.receiptPrinter === undefined ? devices.printers[0] : devices.printers.find((x) => x.name === p.receiptPrinter)) ?? null;
  const terminal = devices.terminal;
  return new PaymentsService(p, {
    store,
    terminal,
    // Connected and registered (06 00 answered): otherwise nothing could be sent, so nothing is journaled.
    terminalReady: () => (terminal ? terminal.state().connected && terminal.state().registered : false),
    // The same port shape as the queue's ticket printer: status for the reply, print = durable job.
    printer: printer && ticketPrinterPort(printer),
    visits,
    supervisors: { isSupervisor: (u) => broker.isSupervisor(u) },
    vehicle: { id: config.vehicle.id, name: config.vehicle.name },
    log: partLogger(log, 'payments'),
  });
}
