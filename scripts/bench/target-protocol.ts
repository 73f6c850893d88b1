// The IPC messages between the bench (target.ts) and its broker child (gateway-target.ts).

export interface TargetSample {
  /** Event-loop delay over the window, timer resolution subtracted. */
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  eldSamples: number;
  /** CPU time (user + system) the process used over the window. */
  cpuMs: number;
  rssStartMB: number;
  rssMaxMB: number;
  rssEndMB: number;
  heapUsedMB: number;
  /** The subject's counters at the end of the window, and their change over it. */
  counters: Record<string, number>;
  delta: Record<string, number>;
}

export type TargetRequest = { type: 'sample-start' } | { type: 'sample-stop' } | { type: 'stop' };

export type TargetReply =
  | { type: 'ready'; port: number; readyMs: number }
  | { type: 'sample'; sample: TargetSample }
  | { type: 'error'; message: string };
