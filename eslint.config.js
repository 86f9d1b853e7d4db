// Type-aware lint for the whole monorepo. The rules that matter most here are the
// promise rules: a long-lived socket or stream must never drop a rejected promise.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noParseFloat = {
  object: 'Number',
  property: 'parseFloat',
  message: 'Money is exact: use the fixed-point parsers.',
};
const noProcessEnv = {
  object: 'process',
  property: 'env',
  message: 'Read the environment in config.ts only.',
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/build/**',
      '**/coverage/**',
      '**/data/**',
      '**/test-results/**',
      '**/playwright-report/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-globals': [
        'error',
        { name: 'parseFloat', message: 'Money is exact: use the fixed-point parsers.' },
      ],
      'no-restricted-properties': ['error', noParseFloat, noProcessEnv],
    },
  },
  {
    // Config is parsed once per app (config.ts); tests, CLIs, examples and benches may read it too.
    files: [
      '**/config.ts',
      '**/*.test.ts',
      '**/*.test.tsx',
      '**/testing/**',
      '**/testing.ts',
      '**/cli.ts',
      '**/examples/**',
      '**/e2e/**',
      '**/bench/**',
      '**/*.config.ts',
    ],
    rules: { 'no-restricted-properties': ['error', noParseFloat] },
  },
  {
    // The simulator engine is pure and deterministic: no I/O, no wall clock, no unseeded randomness.
    files: ['packages/simulator/src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*', 'ws', 'fs', 'http', 'net'], message: 'The engine does no I/O.' }] },
      ],
      'no-restricted-properties': [
        'error',
        noParseFloat,
        noProcessEnv,
        { object: 'Date', property: 'now', message: 'Use the injected clock.' },
        { object: 'Math', property: 'random', message: 'Use the seeded PRNG.' },
      ],
    },
  },
  {
    // The browser never touches Kalshi or its credentials: the web app talks only to our server.
    files: ['apps/web/**/*.ts', 'apps/web/**/*.tsx'],
    ignores: ['apps/web/e2e/**', 'apps/web/bench/**', 'apps/web/playwright.config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@kalshi-desk/kalshi',
                '@kalshi-desk/kalshi/*',
                '@kalshi-desk/simulator',
                '@kalshi-desk/simulator/*',
              ],
              message: 'apps/web talks only to apps/server.',
            },
          ],
        },
      ],
    },
  },
  {
    // Only the server's exchange-facing modules open connections to Kalshi.
    files: ['apps/server/src/**/*.ts'],
    ignores: [
      'apps/server/src/modules/exchange/**',
      'apps/server/src/modules/account/**',
      'apps/server/src/modules/markets/**',
      'apps/server/src/shared/exchange.ts',
      'apps/server/src/**/*.test.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@kalshi-desk/kalshi',
              importNames: ['KalshiRestClient', 'KalshiWsClient'],
              message:
                'Only modules/exchange, modules/account, modules/markets and shared/exchange.ts talk to the exchange.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests may use looser typing on parsed JSON fixtures.
    files: ['**/*.test.ts', '**/*.test.tsx', '**/testing/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
