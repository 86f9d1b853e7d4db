import { generateKeyPairSync } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { formatContracts, formatDollars } from '../src/lib/format';
import {
  card,
  connectDemo,
  connectDemoUntil,
  control,
  instrument,
  serverPositions,
  shoot,
  watchProblems,
  type PageProblems,
} from './stack';

test.describe.configure({ mode: 'serial' });

let problems: PageProblems;

test.beforeEach(async ({ page }) => {
  problems = watchProblems(page);
  await instrument(page);
});

test.afterEach(() => {
  // Uncaught exceptions, CSP violations, failed contract parses and failed requests all show up here.
  expect(problems.seen).toEqual([]);
});

test('a first visit, the demo connect, the markets and the portfolio fail no request and log no error', async ({
  page,
}) => {
  const probe = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/account/session');
  await page.goto('/');
  // Signed out is an answer, not a failure (it used to be a 401 that Chromium logged as an error).
  const signedOut = await probe;
  expect(signedOut.status()).toBe(200);
  expect(await signedOut.json()).toEqual({ authenticated: false });
  await expect(page.getByRole('button', { name: 'Use the demo account' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(problems.seen, 'the landing page, signed out').toEqual([]);

  await page.getByRole('button', { name: 'Use the demo account' }).click();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live');
  await expect(page.getByTestId('position-card').first()).toBeVisible();
  expect(problems.seen, 'the demo connect').toEqual([]);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Markets' }).click();
  await expect(page).toHaveURL(/#\/markets$/);
  await expect(page.getByTestId('market-card').first()).toBeVisible();
  expect(problems.seen, 'the markets page').toEqual([]);

  const equity = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/account/equity');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Portfolio' }).click();
  await expect(page).toHaveURL(/#\/portfolio$/);
  await expect(page.getByRole('heading', { name: 'Portfolio' })).toBeVisible();
  await expect(page.getByTestId('fill-row').first()).toBeVisible();
  await equity;
  expect(problems.seen, 'the portfolio page').toEqual([]);

  // A signed-in first load (the probe with a cookie) is clean too.
  const signedInProbe = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/account/session');
  await page.reload();
  expect(await (await signedInProbe).json()).toMatchObject({ authenticated: true });
  await expect(page.getByTestId('fill-row').first()).toBeVisible();
  expect(problems.seen, 'the portfolio page, reloaded').toEqual([]);
});

test('connecting the demo account shows the same positions as GET /account/positions', async ({ page }) => {
  await connectDemo(page);
  const positions = await serverPositions(page);
  expect(positions.length).toBeGreaterThan(0);
  await expect(page.locator('aside [data-testid="position-card"]')).toHaveCount(positions.length);
  for (const position of positions) {
    const item = card(page, position.ticker);
    await expect(item).toContainText(position.side);
    await expect(item.getByTestId('position-quantity')).toContainText(
      `${formatContracts(position.quantity)} @`,
    );
  }
  // Prices move in the demo: compare P&L until the page and the server agree on every card.
  await expect
    .poll(async () => {
      const latest = await serverPositions(page);
      const shown = await Promise.all(
        latest.map((p) => card(page, p.ticker).getByTestId('position-pnl').textContent()),
      );
      return latest.every(
        (p, i) =>
          shown[i] === (p.unrealized_pnl === null ? '—' : formatDollars(p.unrealized_pnl, { signed: true })),
      );
    })
    .toBe(true);
  await expect(page.getByTestId('position-count')).toHaveText(String(positions.length));
  await shoot(page, 'desk-1440x900');
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot(page, 'desk-390x844');
  await page.getByRole('button', { name: /Show positions/ }).click();
  await expect(page.getByRole('dialog', { name: /^Positions \(\d+\)$/ })).toBeVisible();
  await shoot(page, 'positions-sheet-390x844');
});

test('a trade in the simulator changes the card P&L without a reload within 1 s', async ({ page }) => {
  await connectDemo(page);
  const positions = await serverPositions(page);
  const target = positions.find((p) => p.side === 'YES' && p.current_price !== null) ?? positions[0];
  if (!target) throw new Error('the demo account holds no position');
  const pnl = card(page, target.ticker).getByTestId('position-pnl');
  const before = await pnl.textContent();
  // Jump far from where it is, so the mark (and the P&L) certainly changes.
  const price = (target.yes_bid ?? 50) < 50 ? '0.9000' : '0.1000';
  await control('jumpPrice', { ticker: target.ticker, price });
  await expect(pnl).not.toHaveText(before ?? '', { timeout: 1_000 });
  await expect
    .poll(async () => {
      const now = (await serverPositions(page)).find((p) => p.ticker === target.ticker);
      return now?.unrealized_pnl === null || now === undefined
        ? '—'
        : formatDollars(now.unrealized_pnl, { signed: true });
    })
    .toBe(await pnl.textContent());
  await page.goto(`/#/positions/${target.ticker}`);
  await expect(page.getByTestId('position-detail')).toBeVisible();
  await shoot(page, 'position-detail-1440x900');
  // The mark selector re-reads the position at another basis (GET /account/positions?mark=mid).
  const marked = page.waitForRequest((r) => r.url().includes('/api/v1/account/positions?mark=mid'));
  await page.getByRole('radio', { name: 'Mid' }).click();
  await marked;
  await expect(page.getByTestId('position-detail')).toContainText('Current (mid)');
});

test('keyboard shortcuts move between screens; the portfolio shows fills; the theme toggles and persists', async ({
  page,
}) => {
  await connectDemo(page);
  await page.keyboard.press('g');
  await page.keyboard.press('p');
  await expect(page).toHaveURL(/#\/portfolio$/);
  await expect(page.getByRole('heading', { name: 'Portfolio' })).toBeVisible();
  await expect(page.getByTestId('fill-row').first()).toBeVisible();
  await page.keyboard.press('t');
  const isDark = await page.evaluate(() => document.documentElement.classList.contains('dark'));
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Portfolio' })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(isDark);
  await page.evaluate(() => document.documentElement.classList.add('dark'));
  await shoot(page, 'portfolio-dark-1440x900');
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await page.keyboard.press('/');
  await expect(page).toHaveURL(/#\/markets$/);
  await expect(page.getByRole('searchbox', { name: 'Search markets' })).toBeFocused();
});

test('markets: held ones carry a badge, a market shows its live order book, an event groups its markets', async ({
  page,
}) => {
  await connectDemo(page);
  const held = (await serverPositions(page))[0];
  if (!held) throw new Error('the demo account holds no position');
  await expect(page.getByTestId('market-card').first()).toBeVisible();
  await shoot(page, 'markets-1440x900');

  await page.getByRole('searchbox', { name: 'Search markets' }).fill(held.ticker);
  const heldCard = page.locator(`[data-testid="market-card"][data-ticker="${held.ticker}"]`);
  await expect(heldCard).toBeVisible();
  await expect(page.getByTestId('market-card')).toHaveCount(1);
  await expect(heldCard.getByTestId('holding-badge')).toHaveText(
    `You own ${held.side} ×${formatContracts(held.quantity)}`,
  );

  await heldCard.click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(held.market_title);
  await expect(page.getByTestId('order-book')).toBeVisible();
  await expect(page.getByTestId('market-stream-status')).toHaveText('live');
  await expect(page.getByTestId('holding-badge')).toBeVisible();
  await shoot(page, 'market-detail-1440x900');
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot(page, 'market-detail-390x844');
  await page.setViewportSize({ width: 1440, height: 900 });

  await page.getByRole('main').getByRole('link', { name: held.event_ticker, exact: true }).click();
  await expect(page.locator(`[data-testid="market-card"][data-ticker="${held.ticker}"]`)).toBeVisible();
  await shoot(page, 'event-1440x900');
});

test('a resting order appears live with the money it holds, and leaves when cancelled', async ({ page }) => {
  await connectDemo(page);
  const positions = await serverPositions(page);
  const target = positions.find((p) => p.market_status === 'active');
  if (!target) throw new Error('the demo account holds no active market');
  const connections = (await control('connections')) as { userId: string | null }[];
  const userId = connections.find((c) => c.userId !== null)?.userId;
  if (!userId) throw new Error('the server holds no account connection');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Portfolio' }).click();
  await expect(page.getByRole('heading', { name: 'Portfolio' })).toBeVisible();
  // 100 YES at $0.01, far below the book: it rests and holds exactly $1.00.
  const placed = (await control('placeOrder', {
    userId,
    ticker: target.ticker,
    side: 'bid',
    price: '0.0100',
    count: '100.00',
  })) as { order_id: string };
  const row = page.locator(`[data-testid="resting-order-row"][data-order-id="${placed.order_id}"]`);
  await expect(row).toBeVisible({ timeout: 2_000 });
  await expect(row).toContainText('$1.00');
  await expect(row).toContainText(target.ticker);
  await expect(page.getByTestId('reserved-for-orders')).not.toHaveText('$0.00');
  await control('cancelOrder', { userId, orderId: placed.order_id });
  await expect(row).toHaveCount(0, { timeout: 2_000 });
});

test('a settlement removes the card', async ({ page }) => {
  await connectDemo(page);
  const positions = await serverPositions(page);
  const target = positions[positions.length - 1];
  if (!target) throw new Error('the demo account holds no position');
  await expect(card(page, target.ticker)).toBeVisible();
  await control('settleMarket', { ticker: target.ticker, result: 'yes' });
  await expect(card(page, target.ticker)).toHaveCount(0);
  await expect(page.getByTestId('position-count')).toHaveText(String(positions.length - 1));
  expect((await serverPositions(page)).map((p) => p.ticker)).not.toContain(target.ticker);
});

test('when the upstream connection drops the status shows reconnecting, then live', async ({ page }) => {
  await connectDemo(page);
  await page.evaluate(() => {
    (window as unknown as { __statuses: string[] }).__statuses = ['live'];
  });
  await control('dropConnections', {});
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses.join(' > ')), {
      timeout: 20_000,
    })
    .toMatch(/live > (reconnecting|stale)( > \w+)* > live$/);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live');
});

test('without SSE the page polls the REST endpoints, then returns to the stream', async ({ page }) => {
  // The stream is refused (as a proxy that cannot pass SSE would); REST still works.
  problems.allow({
    url: /\/api\/v1\/account\/sse\/positions$/,
    status: 503,
    because: 'this test answers the stream with 503 itself',
  });
  await page.route('**/api/v1/account/sse/positions', (route) =>
    route.fulfill({ status: 503, body: 'no streams here' }),
  );
  await connectDemoUntil(page, 'polling');
  const positions = await serverPositions(page);
  await expect(page.locator('aside [data-testid="position-card"]')).toHaveCount(positions.length);
  await page.unroute('**/api/v1/account/sse/positions');
  // The controller probes the stream every 15 s while polling.
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'live', {
    timeout: 25_000,
  });
});

test('logout empties the panel and closes the stream', async ({ page }) => {
  await connectDemo(page);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('button', { name: 'Use the demo account' })).toBeVisible();
  await expect(page.locator('[data-testid="position-card"]')).toHaveCount(0);
  const states = await page.evaluate(() =>
    (window as unknown as { __sources: EventSource[] }).__sources.map((s) => s.readyState),
  );
  expect(states.length).toBeGreaterThan(0);
  expect(states.every((s) => s === 2)).toBe(true);
  expect((await page.request.get('/api/v1/account/positions')).status()).toBe(401);
  await shoot(page, 'connect-1440x900');
});

test('a bad key gives a readable error', async ({ page }) => {
  // Refusing a key is what these answers are for: 400 for a PEM that cannot be read, 401 for
  // a key the exchange does not know.
  for (const status of [400, 401]) {
    problems.allow({
      url: /\/api\/v1\/account\/authenticate$/,
      status,
      because: 'the test submits keys that must be refused',
    });
  }
  await page.goto('/');
  await page.getByLabel('API key id').fill('not-a-real-key');
  await page.getByLabel('Private key (PEM)').fill('this is not a PEM file');
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('alert')).toContainText('That private key could not be read.');

  // A well-formed key the exchange has never seen.
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await page.getByLabel('Private key (PEM)').fill(privateKey);
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('alert')).toContainText('The exchange rejected this key.');
  await expect(page.getByRole('alert')).not.toContainText('PRIVATE KEY');
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot(page, 'connect-error-390x844');
});
