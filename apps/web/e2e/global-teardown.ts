import { rmSync } from 'node:fs';

/** Removes the temporary data folder (PGlite, generated secrets) of this run. */
export default function globalTeardown(): void {
  const dir = process.env.E2E_DATA_DIR;
  if (dir?.includes('kalshi-desk-e2e-')) rmSync(dir, { recursive: true, force: true });
}
