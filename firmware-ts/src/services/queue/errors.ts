// One typed error for the whole queue core. The command layer maps `code` straight onto the
// reply's `error.code` (DESIGN.md "MQTT API"), so codes are stable and messages name the culprit.
export type QueueErrorCode =
  | 'INVALID_STATE'
  | 'UNKNOWN_SERVICE'
  | 'UNKNOWN_COUNTER'
  | 'UNKNOWN_TICKET'
  | 'UNKNOWN_PRIORITY'
  | 'COUNTER_CLOSED'
  | 'SERVICE_CLOSED'
  | 'NOTHING_WAITING'
  | 'INVALID_CONFIG';

export class QueueError extends Error {
  constructor(
    readonly code: QueueErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'QueueError';
  }
}
