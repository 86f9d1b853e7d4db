/** Public market data: markets, order books, trades, events and series. No signature needed. */
import { add } from '@kalshi-desk/kalshi/protocol';
import type { Centis, Market } from '../../engine/types.js';
import { bareValidation, NOT_FOUND } from '../errors.js';
import { pageByIndex, pageNewestFirst, parseLimit, parseSecondsParam, statusFilter } from '../rest-params.js';
import { eventJson, marketJson, orderbookJson, seriesJson, tradeJson } from '../wire.js';
import { ok, type Handler, type RestContext } from './context.js';

export const getMarkets: Handler = (ctx, req) => {
  const limit = parseLimit(req.query, 'GetMarkets', 1000, 100);
  const statuses = statusFilter(req.query, 'GetMarkets');
  const eventTicker = req.query.get('event_ticker');
  const seriesTicker = req.query.get('series_ticker');
  const tickers = req.query.get('tickers');
  const tickerSet = tickers ? new Set(tickers.split(',')) : null;
  const minClose = parseSecondsParam(req.query, 'min_close_ts');
  const maxClose = parseSecondsParam(req.query, 'max_close_ts');
  const markets = ctx.engine
    .listMarkets()
    .filter(
      (m) =>
        (!statuses || statuses.includes(m.status)) &&
        (!eventTicker || m.eventTicker === eventTicker) &&
        (!seriesTicker || m.seriesTicker === seriesTicker) &&
        (!tickerSet || tickerSet.has(m.ticker)) &&
        (minClose === null || m.closeMs >= minClose) &&
        (maxClose === null || m.closeMs <= maxClose),
    );
  const { page, cursor } = pageByIndex(markets, req.query, limit);
  return ok({ cursor, markets: page.map((m) => marketJson(ctx.engine, m)) });
};

export const getMarket: Handler = (ctx, _req, [ticker = '']) => {
  const market = ctx.engine.getMarket(ticker);
  return market ? ok({ market: marketJson(ctx.engine, market) }) : NOT_FOUND;
};

export const getOrderbook: Handler = (ctx, req, [ticker = '']) => {
  if (!ctx.engine.getMarket(ticker)) return NOT_FOUND;
  const raw = req.query.get('depth');
  const depth = raw && /^\d+$/.test(raw) ? Number(raw) : 0;
  if (depth > 100)
    return bareValidation(
      "Parameter validation failed for GetMarketOrderbook: Key: 'GetMarketOrderbookParams.Depth' Error:Field validation for 'Depth' failed on the 'lte' tag",
    );
  return ok(orderbookJson(ctx.engine, ticker, depth));
};

export const getTrades: Handler = (ctx, req) => {
  const limit = parseLimit(req.query, 'GetTrades', 1000, 100);
  const ticker = req.query.get('ticker');
  const minTs = parseSecondsParam(req.query, 'min_ts');
  const maxTs = parseSecondsParam(req.query, 'max_ts');
  const { page, cursor } = pageNewestFirst(
    ctx.engine.listTrades(),
    (t) =>
      (!ticker || t.ticker === ticker) &&
      (minTs === null || t.createdMs >= minTs) &&
      (maxTs === null || t.createdMs <= maxTs),
    req.query,
    limit,
  );
  return ok({ cursor, trades: page.map(tradeJson) });
};

export const getEvents: Handler = (ctx, req) => {
  const limit = parseLimit(req.query, 'GetEvents', 200, 200);
  const statuses = statusFilter(req.query, 'GetEvents');
  const seriesTicker = req.query.get('series_ticker');
  const withMarkets = req.query.get('with_nested_markets') === 'true';
  const events = ctx.engine
    .listEvents()
    .filter(
      (e) =>
        (!seriesTicker || e.seriesTicker === seriesTicker) &&
        (!statuses ||
          e.marketTickers.some((t) => statuses.includes(ctx.engine.getMarket(t)?.status ?? 'initialized'))),
    );
  const { page, cursor } = pageByIndex(events, req.query, limit);
  return ok({ cursor, events: page.map((e) => eventJson(ctx.engine, e, withMarkets)) });
};

export const getEvent: Handler = (ctx, req, [eventTicker = '']) => {
  const event = ctx.engine.getEvent(eventTicker);
  if (!event) return NOT_FOUND;
  const withMarkets = req.query.get('with_nested_markets') === 'true';
  const markets = event.marketTickers
    .map((t) => ctx.engine.getMarket(t))
    .filter((m): m is Market => m !== undefined);
  return ok({
    event: eventJson(ctx.engine, event, withMarkets),
    markets: markets.map((m) => marketJson(ctx.engine, m)),
  });
};

function seriesVolume(ctx: RestContext, seriesTicker: string): Centis {
  const markets = ctx.engine.listMarkets().filter((m) => m.seriesTicker === seriesTicker);
  return add(...markets.map((m) => m.volume));
}

export const getSeriesList: Handler = (ctx, req) => {
  const category = req.query.get('category');
  const withVolume = req.query.get('include_volume') === 'true';
  const list = ctx.engine.listSeries().filter((s) => !category || s.category === category);
  return ok({ series: list.map((s) => seriesJson(s, withVolume ? seriesVolume(ctx, s.ticker) : null)) });
};

export const getSeries: Handler = (ctx, req, [ticker = '']) => {
  const series = ctx.engine.getSeries(ticker);
  if (!series) return NOT_FOUND;
  return ok({
    series: seriesJson(series, req.query.get('include_volume') === 'true' ? seriesVolume(ctx, ticker) : null),
  });
};

/** No series fee changes are ever scheduled here. */
export const getSeriesFeeChanges: Handler = () => ok({ series_fee_change_arr: [] });
