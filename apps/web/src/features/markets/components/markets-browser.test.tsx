import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { makeMarket } from '../../../test/fixtures';
import { installMockApi, type MockRequest } from '../../../test/mock-api';
import { renderWithClient } from '../../../test/render';
import { MarketsBrowser } from './markets-browser';

const rain = makeMarket({ ticker: 'RAIN-1', title: 'Rain in NYC?', category: 'Climate', volume: 500 });
const fed = makeMarket({
  ticker: 'FED-1',
  event_ticker: 'FED',
  title: 'Fed cuts rates?',
  category: 'Economics',
  volume: 9000,
});
const settled = makeMarket({ ticker: 'OLD-1', title: 'Old market', status: 'settled' });

/** A tiny server-side filter so the test checks the browser sends the right query. */
function answer(request: MockRequest) {
  const search = request.query.get('search')?.toLowerCase();
  const category = request.query.get('category');
  const status = request.query.get('status');
  let markets = [rain, fed, settled];
  if (status === 'open') markets = markets.filter((m) => m.status === 'active');
  if (status === 'settled') markets = markets.filter((m) => m.status === 'settled');
  if (category) markets = markets.filter((m) => m.category === category);
  if (search) markets = markets.filter((m) => m.title.toLowerCase().includes(search));
  if (request.query.get('sort') === 'volume') markets = [...markets].sort((a, b) => b.volume - a.volume);
  return { markets, categories: ['Climate', 'Economics'] };
}

const tickersShown = () =>
  screen.getAllByTestId('market-card').map((card) => card.getAttribute('data-ticker'));

describe('MarketsBrowser', () => {
  it('lists open markets by volume and badges the ones held', async () => {
    const { requests } = installMockApi({ 'GET /api/v1/markets': answer });
    renderWithClient(
      <MarketsBrowser holdings={{ 'RAIN-1': { side: 'NO', quantity: 25 } }} searchDelayMs={0} />,
    );
    await waitFor(() => expect(tickersShown()).toEqual(['FED-1', 'RAIN-1']));
    expect(requests[0]?.query.get('status')).toBe('open');
    expect(requests[0]?.query.get('sort')).toBe('volume');
    const held = screen.getAllByTestId('market-card').find((c) => c.getAttribute('data-ticker') === 'RAIN-1');
    expect(held && within(held).getByTestId('holding-badge')).toHaveTextContent('You own NO ×25');
    expect(screen.getAllByTestId('holding-badge')).toHaveLength(1);
  });

  it('filters by search, category and status through the API', async () => {
    const { requests } = installMockApi({ 'GET /api/v1/markets': answer });
    const user = userEvent.setup();
    renderWithClient(<MarketsBrowser holdings={{}} searchDelayMs={0} />);
    await waitFor(() => expect(tickersShown()).toHaveLength(2));

    await user.type(screen.getByRole('searchbox', { name: 'Search markets' }), 'fed');
    await waitFor(() => expect(tickersShown()).toEqual(['FED-1']));
    expect(requests.at(-1)?.query.get('search')).toBe('fed');

    await user.clear(screen.getByRole('searchbox', { name: 'Search markets' }));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Category' }), 'Climate');
    await waitFor(() => expect(tickersShown()).toEqual(['RAIN-1']));
    expect(requests.at(-1)?.query.get('category')).toBe('Climate');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Category' }), 'all');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'settled');
    await waitFor(() => expect(tickersShown()).toEqual(['OLD-1']));
    expect(requests.at(-1)?.query.get('category')).toBeNull();
  });

  it('says when nothing matches', async () => {
    installMockApi({ 'GET /api/v1/markets': () => ({ markets: [], categories: [] }) });
    renderWithClient(<MarketsBrowser holdings={{}} searchDelayMs={0} />);
    expect(await screen.findByText('No markets match')).toBeInTheDocument();
  });
});
