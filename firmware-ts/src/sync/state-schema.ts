// Schema of retained `vim/state/sync` (sync/state.ts builds it), for docs/asyncapi.yaml
// and for the test that checks what the sync part publishes against it.
import { Type, type TSchema } from '@sinclair/typebox';
import { OneOf } from '../schema/types.js';
import { RECORD_CLASSES } from '../store/records.js';

const Nullable = <T extends TSchema>(t: T, description: string) => Type.Union([t, Type.Null()], { description });
const Iso = (description: string) => Type.String({ description: `${description} (ISO 8601)` });
const PerClass = (item: TSchema, description: string) =>
  Type.Object(Object.fromEntries(RECORD_CLASSES.map((c) => [c, item])), { additionalProperties: false, description });

const Backlog = Type.Object(
  {
    count: Type.Integer({ description: 'Records HQ does not have yet' }),
    bytes: Type.Integer({ description: 'Their payload bytes' }),
    oldestSeq: Nullable(Type.Integer(), 'seq of the oldest of them'),
    oldestAt: Nullable(Iso('createdAt of the oldest'), 'createdAt of the oldest'),
    oldestAgeS: Nullable(Type.Integer(), 'Its age in seconds (by the monotonic clock when its wall time was unsynced)'),
  },
  { additionalProperties: false },
);

export const SyncStateSchema = Type.Object(
  {
    vehicle: Type.String({ description: 'Vehicle id' }),
    at: Iso('Time of publishing'),
    connected: Type.Boolean({ description: 'Connected to the HQ broker now' }),
    alarm: Nullable(
      Type.Object(
        {
          code: OneOf(['STORE_FULL'] as const),
          class: OneOf(RECORD_CLASSES),
          at: Iso('When a record of the class was refused'),
          detail: Type.String(),
        },
        { additionalProperties: false },
      ),
      'STORE_FULL: a money/requests/queue record could not be stored (the red sync LED is on); null when all fits',
    ),
    backlog: PerClass(Backlog, 'What HQ has through neither push nor pull, per class in priority order'),
    oldestUndeliveredAgeS: Nullable(Type.Integer(), 'Age in seconds of the oldest record HQ does not have'),
    lastSuccessAt: Nullable(Iso('Last PUBACK or pull acknowledgement'), 'Last PUBACK or pull acknowledgement'),
    bytesSentToday: Type.Integer({ description: 'Bytes pushed and acknowledged today (Istanbul day), for the metered SIM' }),
    push: Nullable(
      Type.Object(
        {
          phase: OneOf(['stopped', 'waiting-link', 'connecting', 'connected', 'backoff'] as const),
          broker: Type.String({ description: 'HQ broker URL, without credentials' }),
          link: Type.Object({ up: Type.Boolean(), via: Type.String({ description: 'e.g. "modem registered (home)", "wlan0 up"' }) }, { additionalProperties: false }),
          lastFailure: Nullable(
            Type.Object(
              {
                kind: OneOf(['refused', 'unreachable', 'timeout', 'credentials', 'not-authorized', 'tls', 'protocol', 'config', 'closed'] as const),
                message: Type.String(),
                at: Iso('When'),
              },
              { additionalProperties: false },
            ),
            'Why the last connection failed; null while connected',
          ),
          nextAttemptAt: Nullable(Iso('Next connection attempt'), 'Next connection attempt'),
          inFlight: PerClass(Type.Integer(), 'Records published and not yet acknowledged (PUBACK)'),
          today: Type.Object({ day: Type.String(), bytes: Type.Integer(), records: Type.Integer(), batches: Type.Integer() }, { additionalProperties: false }),
        },
        { additionalProperties: false },
      ),
      'The push to the HQ broker; null when sync.push is off',
    ),
    pull: Nullable(Type.Object({ endpoints: Type.Array(Type.String()), lastAckAt: Nullable(Iso('Last ack'), 'Last ack') }, { additionalProperties: false }), 'The pull API; null when off'),
    outbox: Type.Object(
      {
        usedBytes: Type.Integer({ description: 'What the outbox holds, as the budgets count it' }),
        limitBytes: Nullable(Type.Integer(), 'What it may hold now: the total budget or the free disk minus the floor'),
        freeDiskBytes: Nullable(Type.Integer(), 'Free disk under the journal'),
        evicted: PerClass(Type.Integer(), 'Records evicted under pressure since start'),
        refused: PerClass(Type.Integer(), 'Records refused (STORE_FULL) since start'),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, description: 'Store-and-forward to HQ: backlog per class, the push link, STORE_FULL alarm; on change and every sync.stateIntervalS' },
);
