import { defineConfig } from 'vitest/config';

// One vitest run covers every workspace; each project keeps its own config file.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
  },
});
