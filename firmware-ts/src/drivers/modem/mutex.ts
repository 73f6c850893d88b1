// Runs async sections one after another. The AT engine already sends one command
// at a time; this keeps multi-command sequences whole (an SMS switches the
// character set to UCS2 and back; a status poll must not run in between).
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private held = 0;

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.held++;
    const p = this.tail.then(fn).finally(() => {
      this.held--;
    });
    this.tail = p.catch(() => undefined);
    return p;
  }

  /** Sections running or waiting. */
  get waiting(): number {
    return this.held;
  }
}
