import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql instance, as under Node: graphql 16 has no "exports" map, so Node (and the
    // Apollo / graphql-tools code it loads) takes its CommonJS entry while Vite would pick the
    // "module" entry, and errors and types from the two would not be instances of each other.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Transformed modules kept on disk (node_modules/.experimental-vitest-cache, keyed by content):
    // each test file's fork reuses what another transformed rather than transforming the gateway again.
    experimental: { fsModuleCache: true },
  },
});
