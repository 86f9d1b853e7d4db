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

/** A failure a test causes on purpose: an answer of `status` from a URL matching `url`. */
export interface ExpectedFailure {
  url: RegExp;
  status: number;
  /** Why the failure is inherent to what the test does (kept for the reader). */
  because: string;
}

/**
 * Everything that went wrong in the page: uncaught exceptions, console errors (CSP
 * violations, failed contract parses, "Failed to load resource") and every HTTP answer of
 * 400 or more, from the first request on. A test names the failures it causes on purpose
 * with `allow`; anything else is a problem.
 */
export interface PageProblems {
  /** The problems seen so far, one readable line each. */
  readonly seen: string[];
  allow(failure: ExpectedFailure): void;
}

export function watchProblems(page: Page): PageProblems {
  const seen: string[] = [];
  const allowed: ExpectedFailure[] = [];
  const isAllowed = (url: string, status: number) =>
    allowed.some((failure) => failure.status === status && failure.url.test(url));
  page.on('pageerror', (error) => seen.push(`uncaught: ${error.message}`));
  page.on('response', (response) => {
    const status = response.status();
    if (status >= 400 && !isAllowed(response.url(), status))
      seen.push(`HTTP ${status}: ${response.request().method()} ${response.url()}`);
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium logs every failed answer as a console error too, located at the resource's
    // URL; one the test allowed is not a second problem.
    const failed = /status of (\d{3})/.exec(message.text());
    if (failed?.[1] !== undefined && isAllowed(message.location().url, Number(failed[1]))) return;
    seen.push(`console: ${message.text()} (${message.location().url})`);
  });
  return {
    seen,
    allow: (failure) => {
      allowed.push(failure);
    },
  };
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
