import { defineConfig } from 'vitest/config';

// Five suites, one per folder (DESIGN.md "Tests and benchmarks"). Integration and
// chaos suites use real processes and files, so they run with longer timeouts.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000 } },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 } },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: 'chaos', include: ['test/chaos/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 } },
      // Security (issue 10, docs/security.md): the real broker, TLS, pull API and control socket under attack.
      { test: { name: 'security', include: ['test/security/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
      // Fuzz (issue 10, docs/fuzzing.md): FUZZ_RUNS scales the inputs; `npm run fuzz` runs 1,000,000 per target.
      { test: { name: 'fuzz', include: ['test/fuzz/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 60_000 } },
    ],
  },
});
