import { defineConfig } from 'drizzle-kit';

// Every module keeps its tables in `<module>.tables.ts`; migrations are generated into
// ./drizzle (checked in, append-only) with `npm run db:generate -w apps/server`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/modules/*/*.tables.ts',
  out: './drizzle',
});
