/** The signed-in account: balance, positions, fills, orders, settlements; placing and cancelling orders. */
import { NOT_FOUND, bareValidation } from '../errors.js';
import {
  pageByIndex,
  pageNewestFirst,
  parseCreateOrderBody,
  parseLimit,
  parseSecondsParam,
} from '../rest-params.js';
import {
  balanceJson,
  cancelOrderJson,
  createOrderJson,
  eventPositionsJson,
  fillJson,
  marketPositionJson,
  orderJson,
  settlementJson,
} from '../wire.js';
import { ok, requireAccount, unwrap, type Handler } from './context.js';

export const getBalance: Handler = (ctx, req) => ok(balanceJson(ctx.engine, requireAccount(ctx, req)));

export const getPositions: Handler = (ctx, req) => {
  const account = requireAccount(ctx, req);
  const limit = parseLimit(req.query, 'GetPositions', 1000, 100);
  const ticker = req.query.get('ticker');
  const eventTicker = req.query.get('event_ticker');
  const countFilter = (req.query.get('count_filter') ?? '').split(',').filter((x) => x !== '');
  const positions = [...account.positions.values()]
    .filter(
      (p) =>
        (!ticker || p.ticker === ticker) &&
        (!eventTicker || p.eventTicker === eventTicker) &&
        (countFilter.length === 0 ||
          countFilter.some((f) =>
            f === 'position' ? p.position !== 0 : f === 'total_traded' ? p.totalTraded !== 0 : false,
          )),
    )
    .sort((a, b) => (a.ticker < b.ticker ? -1 : a.ticker > b.ticker ? 1 : 0));
  const { page, cursor } = pageByIndex(positions, req.query, limit);
  return ok({
    cursor,
    event_positions: eventPositionsJson(page),
    market_positions: page.map(marketPositionJson),
  });
};

export const getFills: Handler = (ctx, req) => {
  const account = requireAccount(ctx, req);
  const limit = parseLimit(req.query, 'GetFills', 1000, 100);
  const ticker = req.query.get('ticker');
  const orderId = req.query.get('order_id');
  const minTs = parseSecondsParam(req.query, 'min_ts');
  const maxTs = parseSecondsParam(req.query, 'max_ts');
  const { page, cursor } = pageNewestFirst(
    account.fills,
    (f) =>
      (!ticker || f.ticker === ticker) &&
      (!orderId || f.orderId === orderId) &&
      (minTs === null || f.createdMs >= minTs) &&
      (maxTs === null || f.createdMs <= maxTs),
    req.query,
    limit,
  );
  return ok({ cursor, fills: page.map(fillJson) });
};

export const getOrders: Handler = (ctx, req) => {
  const account = requireAccount(ctx, req);
  const limit = parseLimit(req.query, 'GetOrders', 1000, 100);
  const ticker = req.query.get('ticker');
  const eventTickers = req.query.get('event_ticker');
  const eventSet = eventTickers ? new Set(eventTickers.split(',')) : null;
  const status = req.query.get('status');
  if (status && !['resting', 'canceled', 'executed'].includes(status)) {
    return bareValidation(
      "Parameter validation failed for GetOrders: Key: 'GetOrdersParams.Status' Error:Field validation for 'Status' failed on the 'oneof' tag",
    );
  }
  const minTs = parseSecondsParam(req.query, 'min_ts');
  const maxTs = parseSecondsParam(req.query, 'max_ts');
  const { page, cursor } = pageNewestFirst(
    account.orders,
    (o) =>
      (!ticker || o.ticker === ticker) &&
      (!eventSet || eventSet.has(ctx.engine.getMarket(o.ticker)?.eventTicker ?? '')) &&
      (!status || o.status === status) &&
      (minTs === null || o.createdMs >= minTs) &&
      (maxTs === null || o.createdMs <= maxTs),
    req.query,
    limit,
  );
  return ok({ cursor, orders: page.map(orderJson) });
};

export const getOrder: Handler = (ctx, req, [orderId = '']) => {
  const account = requireAccount(ctx, req);
  const order = account.ordersById.get(orderId);
  return order ? ok({ order: orderJson(order) }) : NOT_FOUND;
};

export const getSettlements: Handler = (ctx, req) => {
  const account = requireAccount(ctx, req);
  const limit = parseLimit(req.query, 'GetSettlements', 1000, 100);
  const ticker = req.query.get('ticker');
  const eventTicker = req.query.get('event_ticker');
  const minTs = parseSecondsParam(req.query, 'min_ts');
  const maxTs = parseSecondsParam(req.query, 'max_ts');
  const { page, cursor } = pageNewestFirst(
    account.settlements,
    (s) =>
      (!ticker || s.ticker === ticker) &&
      (!eventTicker || s.eventTicker === eventTicker) &&
      (minTs === null || s.settledMs >= minTs) &&
      (maxTs === null || s.settledMs <= maxTs),
    req.query,
    limit,
  );
  return ok({ cursor, settlements: page.map(settlementJson) });
};

export const createOrder: Handler = (ctx, req) => {
  const account = requireAccount(ctx, req);
  const input = parseCreateOrderBody(req.body);
  return ok(createOrderJson(unwrap(ctx.engine.placeOrder(account.userId, input))), 201);
};

export const cancelOrder: Handler = (ctx, req, [orderId = '']) => {
  const account = requireAccount(ctx, req);
  return ok(cancelOrderJson(unwrap(ctx.engine.cancelOrder(account.userId, orderId))));
};
