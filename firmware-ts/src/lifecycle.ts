// The lifecycle contract every part follows (DESIGN.md "Contracts"): a constructor
// only stores its dependencies; start()/stop() are async; stop() releases ports,
// timers and listeners; health() reports {state, since, detail}.

export type HealthState = 'ok' | 'degraded' | 'failed' | 'absent';

export interface Health {
  state: HealthState;
  /** ISO time of the last state change. */
  since: string;
  detail: string;
  counters?: Record<string, number>;
}

export interface Part {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): Health;
}

/** Tracks a part's health and stamps `since` only when the state really changes. */
export class HealthTracker {
  private current: Health;
  constructor(initial: HealthState = 'absent', detail = 'not started') {
    this.current = { state: initial, since: new Date().toISOString(), detail };
  }
  set(state: HealthState, detail: string): boolean {
    const changed = state !== this.current.state;
    this.current = { state, since: changed ? new Date().toISOString() : this.current.since, detail };
    return changed;
  }
  get(): Health {
    return { ...this.current };
  }
}

const RANK: Record<HealthState, number> = { ok: 0, absent: 1, degraded: 2, failed: 3 };

/** The gateway's overall state: the worst of its required parts. */
export function worstOf(states: HealthState[]): HealthState {
  return states.reduce<HealthState>((w, s) => (RANK[s] > RANK[w] ? s : w), 'ok');
}
