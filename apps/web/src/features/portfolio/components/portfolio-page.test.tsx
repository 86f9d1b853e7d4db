import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { installMockApi } from '../../../test/mock-api';
import { renderWithClient } from '../../../test/render';
import { PortfolioPage } from './portfolio-page';

describe('PortfolioPage', () => {
  beforeEach(() => {
    installMockApi({
      'GET /api/v1/account/equity': () => ({ points: [] }),
      'GET /api/v1/account/fills': () => ({ fills: [], cursor: null }),
    });
  });

  it('shows the resting orders the app shell hands in, under their own heading', async () => {
    renderWithClient(<PortfolioPage restingOrders={<p>two orders rest</p>} />);
    const heading = screen.getByRole('heading', { name: 'Resting orders' });
    const card = heading.closest('div.rounded-lg');
    if (!(card instanceof HTMLElement)) throw new Error('expected the resting orders card');
    expect(within(card).getByText('two orders rest')).toBeInTheDocument();
    expect(await screen.findByText('No fills yet')).toBeInTheDocument();
  });

  it('leaves the resting orders out when none are handed in', async () => {
    renderWithClient(<PortfolioPage />);
    expect(await screen.findByText('No fills yet')).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Resting orders' })).not.toBeInTheDocument();
  });
});
