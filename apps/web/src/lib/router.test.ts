import { describe, expect, it } from 'vitest';
import { hrefs, parseRoute } from './router';

describe('parseRoute', () => {
  it('maps every href back to its route', () => {
    expect(parseRoute(hrefs.markets())).toEqual({ name: 'markets' });
    expect(parseRoute(hrefs.market('KX-1 A/B'))).toEqual({ name: 'market', ticker: 'KX-1 A/B' });
    expect(parseRoute(hrefs.event('EV'))).toEqual({ name: 'event', eventTicker: 'EV' });
    expect(parseRoute(hrefs.portfolio())).toEqual({ name: 'portfolio' });
    expect(parseRoute(hrefs.position('KX-2'))).toEqual({ name: 'position', ticker: 'KX-2' });
  });

  it('starts on markets and names unknown paths', () => {
    expect(parseRoute('')).toEqual({ name: 'markets' });
    expect(parseRoute('#/')).toEqual({ name: 'markets' });
    expect(parseRoute('#/nope/1/2')).toEqual({ name: 'not_found', path: '/nope/1/2' });
    expect(parseRoute('#/settings')).toEqual({ name: 'not_found', path: '/settings' });
  });
});
