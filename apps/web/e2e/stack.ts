import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import { positionsResponseSchema, type Position } from '@kalshi-desk/contracts';

/** The simulator's control API (see packages/simulator/src/server/control.ts). */
export const controlUrl = `http://127.0.0.1:${Number(process.env.E2E_PORT) + 1}/_control`;

export const screenshotDir = path.resolve(import.meta.dirname, '../test-results/screenshots');

export async function control(operation: string, args: Record<string, unknown> = {}): Promise<unknown> {
  const response = await fetch(`${controlUrl}/${operation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  const body: unknown = await response.json();
  if (!response.ok)
    throw new Error(`control ${operation} failed: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** Watches EventSource instances and the connection status in the page, from the first script on. */
export async function instrument(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __sources: EventSource[]; __statuses: string[] };
    w.__sources = [];
    w.__statuses = [];
    const Original = window.EventSource;
    window.EventSource = class extends Original {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        w.__sources.push(this);
      }
    };
    new MutationObserver(() => {
      const status = document.querySelector('[data-testid="connection-status"]')?.getAttribute('data-status');
      if (status && w.__statuses[w.__statuses.length - 1] !== status) w.__statuses.push(status);
    }).observe(document, {
      subtree: true,
      attributes: true,
      childList: true,
      attributeFilter: ['data-status'],
    });
  });
}

export async function connectDemo(page: Page): Promise<void> {
  await connectDemoUntil(page, 'live');
}

export async function connectDemoUntil(page: Page, status: 'live' | 'polling'): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: 'Use the demo account' }).click();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', status);
  await expect(page.getByTestId('position-card').first()).toBeVisible();
}

/** The server's positions, read with the browser's own session cookie. */
export async function serverPositions(page: Page): Promise<Position[]> {
  const response = await page.request.get('/api/v1/account/positions');
  expect(response.status()).toBe(200);
  return positionsResponseSchema.parse(await response.json()).positions;
}

export function card(page: Page, ticker: string) {
  return page.locator(`aside [data-testid="position-card"][data-ticker="${ticker}"]`);
}

export async function shoot(page: Page, name: string): Promise<string> {
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`screenshot: ${file}`);
  return file;
}
