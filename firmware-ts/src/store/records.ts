// Record types shared by the journal, the outbox and their consumers.
import type { ClockQuality } from '../platform/clock.js';

/** Outbox classes in priority order (DESIGN.md "Store"). */
export const RECORD_CLASSES = ['money', 'requests', 'queue', 'events', 'track'] as const;
export type RecordClass = (typeof RECORD_CLASSES)[number];

export interface RecordInput {
  type: string;
  class: RecordClass;
  payload: unknown;
  commandId?: string;
  actor?: string;
}

export interface StoredRecord {
  seq: number;
  id: string;
  vehicle: string;
  type: string;
  class: RecordClass;
  createdAt: string;
  clock: ClockQuality;
  monoMs: number;
  bootId: string;
  commandId: string | null;
  actor: string | null;
  payload: unknown;
}
