import { describe, expect, it } from 'vitest';
import {
  orderbookDeltaMessageSchema,
  orderbookResponseSchema,
  orderbookSnapshotMessageSchema,
} from '../src/protocol/index.js';
import { findRecordingsDir, loadRecordings } from '../src/testing/recordings.js';
import { LocalOrderBook, OrderBookError } from '../src/ws/orderbook.js';

const TICKER = 'KXWTACHALLENGERMATCH-26JUN11JIMLEP-LEP';

describe('LocalOrderBook', () => {
  it('builds YES and NO bid ladders from a snapshot and derives asks', () => {
    const book = new LocalOrderBook(TICKER);
    book.applySnapshot({
      market_ticker: TICKER,
      yes_dollars_fp: [
        ['0.4500', '5.00'],
        ['0.4700', '3.00'],
      ],
      no_dollars_fp: [
        ['0.4800', '2.00'],
        ['0.5000', '1.50'],
      ],
    });
    expect(book.yesBids()).toEqual([
      { price: 470_000, size: 300 },
      { price: 450_000, size: 500 },
    ]);
    expect(book.noBids()).toEqual([
      { price: 500_000, size: 150 },
      { price: 480_000, size: 200 },
    ]);
    expect(book.yesAsks()).toEqual([
      { price: 500_000, size: 150 },
      { price: 520_000, size: 200 },
    ]);
    expect(book.noAsks()).toEqual([
      { price: 530_000, size: 300 },
      { price: 550_000, size: 500 },
    ]);
    expect(book.bestYesBid()).toEqual({ price: 470_000, size: 300 });
    expect(book.bestYesAsk()).toEqual({ price: 500_000, size: 150 });
  });

  it('applies signed deltas, removes emptied levels and refuses negative sizes', () => {
    const book = new LocalOrderBook(TICKER);
    book.applySnapshot({ market_ticker: TICKER, yes_dollars_fp: [['0.4700', '3.00']] });
    book.applyDelta({ market_ticker: TICKER, price_dollars: '0.4600', delta_fp: '2.50', side: 'yes' });
    book.applyDelta({ market_ticker: TICKER, price_dollars: '0.4700', delta_fp: '-3.00', side: 'yes' });
    expect(book.yesBids()).toEqual([{ price: 460_000, size: 250 }]);
    expect(() =>
      book.applyDelta({ market_ticker: TICKER, price_dollars: '0.4600', delta_fp: '-3.00', side: 'yes' }),
    ).toThrow(OrderBookError);
    expect(() =>
      book.applyDelta({ market_ticker: 'OTHER', price_dollars: '0.4600', delta_fp: '1.00', side: 'yes' }),
    ).toThrow(/OTHER/);
  });

  it('an empty snapshot (sides absent) is an empty book', () => {
    const book = new LocalOrderBook(TICKER);
    book.applySnapshot({ market_ticker: TICKER });
    expect([book.yesBids(), book.noBids(), book.bestYesAsk()]).toEqual([[], [], undefined]);
  });

  it('reads NO levels on the YES scale when subscribed with use_yes_price', () => {
    const book = new LocalOrderBook(TICKER, { useYesPrice: true });
    book.applySnapshot({ market_ticker: TICKER, no_dollars_fp: [['0.5200', '1.00']] });
    expect(book.noBids()).toEqual([{ price: 480_000, size: 100 }]);
    expect(book.bestYesAsk()).toEqual({ price: 520_000, size: 100 });
    book.applyDelta({ market_ticker: TICKER, price_dollars: '0.5200', delta_fp: '2.00', side: 'no' });
    expect(book.bestYesAsk()).toEqual({ price: 520_000, size: 300 });
  });
});

const dir = findRecordingsDir();

describe('LocalOrderBook over the recordings', () => {
  const recordings = loadRecordings(dir);

  it('replays both recorded WS sessions (NO scale and YES scale) into consistent books', () => {
    const results = recordings.ws.map((ws) => {
      const useYesPrice = ws.name.endsWith('_yes');
      const book = new LocalOrderBook(TICKER, { useYesPrice });
      for (const frame of ws.frames) {
        const value = JSON.parse(frame);
        if (value.type === 'orderbook_snapshot')
          book.applySnapshot(orderbookSnapshotMessageSchema.parse(value).msg);
        if (value.type === 'orderbook_delta') book.applyDelta(orderbookDeltaMessageSchema.parse(value).msg);
      }
      return [ws.name, book.yesBids(), book.noBids()];
    });
    expect(results).toEqual([
      // NO prices on the NO scale: 0.47 YES and 0.48 NO emptied, then refilled (3.00 and 1.00)
      ['ws__orderbook_trade_noleg', [{ price: 470_000, size: 300 }], [{ price: 480_000, size: 100 }]],
      // NO levels sent on the YES scale (0.52) land on the NO scale (0.48)
      ['ws__orderbook_trade_yes', [{ price: 470_000, size: 300 }], [{ price: 480_000, size: 200 }]],
    ]);
  });

  it('reads the recorded REST order book: best YES ask = 1 - best NO bid', () => {
    const rest = recordings.rest.find((r) => r.name === 'orderbook__base');
    const book = LocalOrderBook.fromRest(TICKER, orderbookResponseSchema.parse(rest?.body));
    expect(book.bestYesBid()).toEqual({ price: 470_000, size: 300 });
    expect(book.bestYesAsk()).toEqual({ price: 520_000, size: 300 });
  });
});
