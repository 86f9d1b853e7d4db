// Type-aware lint for the whole monorepo. The rules that matter most here are the
// promise rules: a long-lived socket or stream must never drop a rejected promise.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const noParseFloat = {
  object: 'Number',
  property: 'parseFloat',
  message: 'Money is exact: use the fixed-point parsers.',
};
const noDateNow = { object: 'Date', property: 'now', message: 'Time comes from the injected Clock.' };
const noNewDate = {
  selector: "NewExpression[callee.name='Date'][arguments.length=0]",
  message: 'Time comes from the injected Clock: new Date(clock.now()).',
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
    // No import cycle anywhere (file level). The module layering below rules out cycles
    // between modules as well.
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/extensions': ['.ts', '.tsx'],
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['apps/*/tsconfig.json', 'packages/*/tsconfig.json'],
          noWarnOnMultipleProjects: true,
        }),
      ],
    },
    rules: { 'import-x/no-cycle': 'error' },
  },
  {
    // Boundaries (production code; tests may reach across to build fixtures).
    files: ['apps/**/*.ts', 'apps/**/*.tsx', 'packages/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', '**/testing/**', '**/test/**', '**/e2e/**', '**/bench/**'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            // Packages are libraries: they never reach into the apps.
            { target: './packages', from: './apps', message: 'packages never import apps.' },
            {
              target: './packages/kalshi',
              from: ['./packages/simulator', './packages/contracts'],
              message: 'packages/kalshi knows only Kalshi.',
            },
            // Web: features never import each other; lib/ and components/ serve everyone.
            ...['auth', 'markets', 'portfolio', 'positions'].map((feature) => ({
              target: `./apps/web/src/features/${feature}`,
              from: './apps/web/src/features',
              except: [`./${feature}`],
              message: 'Features never import each other: pass what is shared through app/.',
            })),
            {
              target: ['./apps/web/src/lib', './apps/web/src/components'],
              from: ['./apps/web/src/features', './apps/web/src/app'],
              message: 'lib/ and components/ know no feature.',
            },
            // Server: app/ composes modules; modules never import app/ (config types live in shared/).
            {
              target: './apps/server/src/modules',
              from: './apps/server/src/app',
              message: 'Modules never import app/: it composes them.',
            },
            // Server module layering (a DAG, so modules cannot form a cycle):
            //   users, stream, system  <-  sessions, credentials, backtests  <-  account, positions
            //   <-  exchange  <-  markets
            ...Object.entries({
              users: [],
              stream: [],
              system: [],
              sessions: ['users'],
              credentials: ['users'],
              backtests: ['users'],
              account: ['users', 'sessions', 'credentials'],
              positions: ['users', 'sessions', 'stream'],
              exchange: ['account', 'positions', 'stream'],
              markets: ['account', 'exchange', 'sessions', 'stream'],
            }).map(([module, allowed]) => ({
              target: `./apps/server/src/modules/${module}`,
              from: './apps/server/src/modules',
              except: [`./${module}`, ...allowed.map((m) => `./${m}`)],
              message: `modules/${module} may import only ${allowed.join(', ') || 'shared/'} (layering in ARCHITECTURE.md).`,
            })),
          ],
        },
      ],
    },
  },
  {
    // shared/ is below every module (the drizzle schema index is the one file that gathers tables).
    files: ['apps/server/src/shared/**/*.ts'],
    ignores: ['apps/server/src/shared/db/schema.ts', '**/*.test.ts', '**/testing.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './apps/server/src/shared',
              from: ['./apps/server/src/modules', './apps/server/src/app'],
              message: 'shared/ imports no module and no app/ file.',
            },
          ],
        },
      ],
    },
  },
  {
    // Our API contract is a leaf: zod and nothing else.
    files: ['packages/contracts/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!zod$|\\.{1,2}/)',
              message: 'packages/contracts depends on zod only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Time comes from an injected clock on the server and in the packages. The clock homes
    // (and the simulator's real-time clock) are the only readers of the wall clock.
    files: ['apps/server/src/**/*.ts', 'packages/*/src/**/*.ts'],
    ignores: [
      '**/*.test.ts',
      '**/testing/**',
      'apps/server/src/shared/clock.ts',
      'packages/kalshi/src/clock.ts',
      'packages/simulator/src/simulator.ts',
      'packages/*/src/cli.ts',
    ],
    rules: {
      'no-restricted-properties': ['error', noParseFloat, noProcessEnv, noDateNow],
      'no-restricted-syntax': ['error', noNewDate],
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
              // The root entry holds the clients, the signer and the WS machinery; the wire
              // schemas and exact numbers are '@kalshi-desk/kalshi/protocol', open to all.
              name: '@kalshi-desk/kalshi',
              message:
                'Only modules/exchange, modules/account, modules/markets and shared/exchange.ts talk to the exchange; use @kalshi-desk/kalshi/protocol.',
            },
          ],
          patterns: [
            {
              group: ['@kalshi-desk/kalshi/testing', '@kalshi-desk/kalshi/src/*'],
              message: 'Only @kalshi-desk/kalshi/protocol outside the exchange-facing modules.',
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
