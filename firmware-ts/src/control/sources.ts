// What the control API reads and drives, as the composition root hands it over.
// The Gateway satisfies this structurally; the control package never imports it,
// so dependencies keep pointing one way (gateway -> control -> parts).
import type { GatewaySnapshot } from '../api/state-publisher.js';
import type { Config } from '../config/schema.js';
import type { Devices } from '../device-parts.js';
import type { Health } from '../lifecycle.js';
import type { Clock } from '../platform/clock.js';
import type { QueueSnapshot } from '../services/queue/snapshot.js';
import type { Store } from '../store/store.js';

export interface ControlSources {
  readonly config: Config;
  readonly devices: Devices;
  readonly store: Store;
  readonly clock: Clock;
  readonly queue: { snapshot(): QueueSnapshot };
  readonly broker: { readonly endpoints: readonly string[]; health(): Health };
  /** The HQ sync part when the gateway has one; read duck-typed (control/sync-view.ts). */
  readonly sync?: unknown;
  snapshot(): GatewaySnapshot;
}
