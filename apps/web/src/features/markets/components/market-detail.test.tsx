import type { MarketDetail as MarketDetailData } from '@kalshi-desk/contracts';
import { act, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeEventSource } from '../../../test/fake-event-source';
import { makeMarket } from '../../../test/fixtures';
import { installMockApi } from '../../../test/mock-api';
import { renderWithClient } from '../../../test/render';
import { MarketDetail } from './market-detail';

const detail: MarketDetailData = {
  ...makeMarket({ ticker: 'RAIN-1', yes_bid: 45, yes_ask: 47, last_price: 46 }),
  no_sub_title: 'No rain',
  rules_primary: 'Resolves YES if it rains.',
  rules_secondary: '',
  result: '',
  price_level_structure: 'linear_cent',
  price_ranges: [],
  open_time: '2026-11-20T00:00:00.000Z',
};

const bestBid = () => within(screen.getByTestId('order-book')).getAllByRole('row')[1];

describe('MarketDetail', () => {
  beforeEach(() => {
    FakeEventSource.reset();
    vi.stubGlobal('EventSource', FakeEventSource);
  });

  it('shows price, ladder and the holding, then follows the market stream', async () => {
    installMockApi({
      'GET /api/v1/markets/:ticker': () => ({ market: detail }),
      'GET /api/v1/markets/:ticker/orderbook': ({ params }) => ({
        ticker: params.ticker ?? '',
        yes: [
          [45, 100],
          [44, 50],
        ],
        no: [[53, 80]],
        as_of: '2026-11-24T10:00:00.000Z',
      }),
    });
    renderWithClient(<MarketDetail ticker="RAIN-1" holding={{ side: 'YES', quantity: 3 }} />);
    expect(await screen.findByRole('heading', { name: detail.title })).toBeInTheDocument();
    expect(screen.getByTestId('holding-badge')).toHaveTextContent('You own YES ×3');
    expect(await screen.findByTestId('order-book')).toHaveTextContent('spread 2¢');
    expect(bestBid()).toHaveTextContent('45¢100');

    const source = FakeEventSource.latest();
    expect(source.url).toBe('/api/v1/markets/RAIN-1/sse');
    act(() => {
      source.open();
      source.emit('orderbook', {
        ticker: 'RAIN-1',
        yes: [[46.5, 20]],
        no: [[52, 10]],
        as_of: '2026-11-24T10:00:01.000Z',
      });
      source.emit('ticker', {
        ticker: 'RAIN-1',
        yes_bid: 46.5,
        yes_ask: 48,
        last_price: 47,
        volume: 12_600,
        open_interest: 4_000,
        at: '2026-11-24T10:00:01.000Z',
      });
    });
    expect(screen.getByTestId('market-stream-status')).toHaveTextContent('live');
    expect(bestBid()).toHaveTextContent('46.5¢20');
    expect(screen.getByTestId('order-book')).toHaveTextContent('spread 1.5¢');
    expect(screen.getByTestId('market-price')).toHaveTextContent('Last47¢');
    expect(screen.getByTestId('market-price')).toHaveTextContent('12,600');
  });
});
