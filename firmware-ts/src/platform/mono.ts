// Durations and deadlines are measured on CLOCK_MONOTONIC (performance.now(), libuv's
// hrtime), never on the wall clock: a Pi has no RTC, so NTP or GNSS steps its wall clock
// by months at boot, and it may step back. A deadline on Date.now() would then fire at
// once (a modem "unregistered for a year" climbing its recovery ladder) or not for months
// (an AT engine waiting out a settle time an hour long). Wall time is for stamping records.

/** Milliseconds on the monotonic clock; only differences between two readings mean anything. */
export function monoMs(): number {
  return performance.now();
}
