import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // better-sqlite3 and pdf.js are native/worker heavy; forks isolate them best.
    pool: 'forks',
  },
});
