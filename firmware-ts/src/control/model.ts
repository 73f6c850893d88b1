// The health model the control API serves (`GET /v1/status`): the gateway and
// every part (state, since, detail, counters), the devices with their ports, the
// broker's clients, the store, the HQ backlog, the clock and the Pi itself.
// Everything here is an in-memory read or a small indexed query, so it answers
// within milliseconds while the gateway is busy.
import type { Health } from '../lifecycle.js';
import { outboxView, syncView, type OutboxView, type SyncView } from './outbox-view.js';
import type { ControlSources } from './sources.js';
import { runtimeFacts, type RuntimeFacts } from './runtime.js';
import { systemFacts, type SystemFacts } from './system.js';

export interface DeviceView extends Health {
  name: string;
  kind: 'gnss' | 'modem' | 'printer' | 'display' | 'terminal' | 'gpio';
  port: string | null;
}

export interface StatusModel {
  vehicle: string;
  name: string;
  version: string;
  state: Health['state'];
  startedAt: string;
  now: string;
  pid: number;
  parts: Record<string, Health>;
  devices: DeviceView[];
  broker: { clients: number; endpoints: readonly string[] };
  store: { state: Health['state']; detail: string; file: string; lastSeq: number | null };
  outbox: OutboxView | null;
  sync: SyncView;
  clock: { quality: string; bootId: string; gnssOffsetMs: number | null };
  system: SystemFacts;
  runtime: RuntimeFacts;
}

export function deviceViews(src: ControlSources): DeviceView[] {
  const d = src.devices;
  const c = src.config.devices;
  const out: DeviceView[] = [];
  if (d.gpio) out.push({ name: 'gpio', kind: 'gpio', port: c.gpio ? `${c.gpio.backend}:${c.gpio.chipLabel}` : null, ...d.gpio.health() });
  if (d.gnss) out.push({ name: 'gnss', kind: 'gnss', port: c.gnss?.port ?? null, ...d.gnss.health() });
  if (d.modem) out.push({ name: 'modem', kind: 'modem', port: c.modem?.port ?? null, ...d.modem.health() });
  for (const p of d.printers) out.push({ name: p.name, kind: 'printer', port: c.printers.find((x) => x.name === p.name)?.port ?? null, ...p.health() });
  if (d.display) out.push({ name: 'display', kind: 'display', port: c.display?.port ?? null, ...d.display.health() });
  if (d.terminal) out.push({ name: 'terminal', kind: 'terminal', port: c.terminal?.port ?? null, ...d.terminal.health() });
  return out;
}

export function statusModel(src: ControlSources): StatusModel {
  const snap = src.snapshot();
  const storeHealth = snap.parts.store ?? src.store.health();
  let outbox: OutboxView | null = null;
  try {
    outbox = outboxView(src);
  } catch {
    // The journal is not open (its health says why); the rest of the picture still matters.
  }
  const broker = src.broker.health();
  return {
    vehicle: snap.vehicle,
    name: snap.name,
    version: snap.version,
    state: snap.state,
    startedAt: snap.startedAt,
    now: new Date().toISOString(),
    pid: process.pid,
    parts: snap.parts,
    devices: deviceViews(src),
    broker: { clients: broker.counters?.clients ?? 0, endpoints: src.broker.endpoints },
    store: { state: storeHealth.state, detail: storeHealth.detail, file: src.store.path, lastSeq: outbox?.lastSeq ?? null },
    outbox,
    sync: syncView(src),
    clock: { quality: src.clock.quality(), bootId: src.clock.bootId, gnssOffsetMs: src.devices.gnss?.snapshot().clockOffsetMs ?? null },
    system: systemFacts(src.config.dataDir),
    runtime: runtimeFacts(),
  };
}
