// Builds the sync part from the config and the gateway's other parts (the composition
// root calls this): the modem's registration for link awareness, the GPIO `sync` LED.
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Publisher } from '../api/command-path.js';
import type { Config } from '../config/schema.js';
import type { Devices } from '../device-parts.js';
import { partLogger } from '../log/logger.js';
import type { Clock } from '../platform/clock.js';
import type { Store } from '../store/store.js';
import { SyncPart } from './sync-part.js';

export function buildSync(config: Config, store: Store, clock: Clock, publisher: Publisher, devices: Devices, log: Logger): SyncPart {
  const gpio = devices.gpio;
  const ledName = config.sync.led;
  const hasLed = gpio !== null && Object.hasOwn(config.devices.gpio?.lines.leds ?? {}, ledName);
  return new SyncPart(config.sync, {
    store,
    clock,
    vehicle: config.vehicle.id,
    dataDir: config.dataDir,
    attachmentsDir: resolve(config.dataDir, config.requests.attachmentsDir),
    publisher,
    log: partLogger(log, 'sync'),
    modemRegistration: () => devices.modem?.state().registration ?? null,
    led: hasLed ? (pattern) => gpio.setLed(ledName, pattern) : null,
  });
}
