/** Exchange and account metadata: status (follows injected 503s), rate limits, endpoint costs. */
import { ok, type Handler } from './context.js';

export const getExchangeStatus: Handler = (ctx) => {
  const isDown = ctx.faults.failNext?.status === 503;
  return ok({ exchange_active: !isDown, trading_active: !isDown });
};

export const getLimits: Handler = (ctx) => {
  const { read, write } = ctx.limiter.limits;
  return ok({
    grants: [],
    read: { bucket_capacity: read.capacity, refill_rate: read.refillRate },
    usage_tier: 'basic',
    write: { bucket_capacity: write.capacity, refill_rate: write.refillRate },
  });
};

const ENDPOINT_COSTS = [
  { cost: 2, method: 'DELETE', path: '/trade-api/v2/portfolio/events/orders/:order_id' },
  { cost: 2, method: 'GET', path: '/trade-api/v2/portfolio/orders/:order_id' },
];

export const getEndpointCosts: Handler = () => ok({ default_cost: 10, endpoint_costs: ENDPOINT_COSTS });
