// A Link is one open connection to a device: bytes in, bytes out, and one close
// event. Links do not reconnect; the Transport above them does, once for all kinds.
import { EventEmitter } from 'node:events';

export interface LinkEvents {
  data: [Buffer];
  /** `unplugged` is true when the device vanished (USB unplug, peer gone), not when we closed it. */
  close: [{ unplugged: boolean; error?: Error }];
}

export abstract class Link extends EventEmitter<LinkEvents> {
  private closedOnce = false;
  abstract write(data: Buffer): Promise<void>;
  abstract close(): Promise<void>;

  /** Emits `close` exactly once, whatever mix of error/end/close events the source produced. */
  protected closed(unplugged: boolean, error?: Error): void {
    if (this.closedOnce) return;
    this.closedOnce = true;
    this.emit('close', error ? { unplugged, error } : { unplugged });
  }
}
