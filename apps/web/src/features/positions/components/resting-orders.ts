import type { RestingOrder } from '@kalshi-desk/contracts';

function placedAt(order: RestingOrder): number {
  return order.created_time === null ? Number.NEGATIVE_INFINITY : Date.parse(order.created_time);
}

/**
 * Resting orders newest first, the way a trader scans what they just placed; orders without a
 * creation time go last, and ties fall back to ticker then order id so the list never jumps
 * between two updates that did not change it.
 */
export function sortRestingOrders(orders: readonly RestingOrder[]): RestingOrder[] {
  return [...orders].sort(
    (a, b) =>
      placedAt(b) - placedAt(a) || a.ticker.localeCompare(b.ticker) || a.order_id.localeCompare(b.order_id),
  );
}

/** Why an order can hold back nothing: it sells contracts already held. */
export const CLOSING_ORDER_HINT = 'Closes part of a held position: no cash held back';
