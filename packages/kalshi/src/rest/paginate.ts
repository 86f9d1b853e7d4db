import { KalshiPaginationError } from './errors.js';

export interface Page {
  cursor?: string | null | undefined;
}

/**
 * Walks cursor pages: starts from `startCursor`, ends when the cursor is "", null or absent
 * (Kalshi sends "" on the last page; its docs say null), and throws instead of looping when
 * the server hands back a cursor it already gave.
 */
export async function* paginate<P extends Page>(
  fetchPage: (cursor: string | undefined) => Promise<P>,
  options: { startCursor?: string; maxPages?: number } = {},
): AsyncGenerator<P, void, undefined> {
  const seen = new Set<string>();
  let cursor = options.startCursor;
  if (cursor !== undefined) seen.add(cursor);
  for (let pages = 0; ; pages += 1) {
    if (options.maxPages !== undefined && pages >= options.maxPages) return;
    const page = await fetchPage(cursor);
    yield page;
    const next = page.cursor;
    if (next === undefined || next === null || next === '') return;
    if (seen.has(next)) {
      throw new KalshiPaginationError(
        `pagination cursor repeated after ${pages + 1} pages; refusing to loop`,
      );
    }
    seen.add(next);
    cursor = next;
  }
}
