import { describe, expect, it } from 'vitest';
import {
  isKnownInboundType,
  wsCommandSchema,
  wsDataMessageSchema,
  wsInboundMessageSchema,
  wsReplySchema,
} from '../src/protocol/index.js';

// Frames from docs/kalshi-protocol.md §7 (docs examples, completed with the fields the schemas require).
const dataFrames = [
  '{"type":"ticker","sid":11,"msg":{"market_ticker":"FED-23DEC-T3.00","market_id":"9b0f6b43-5b68-4f9f-9f02-9a2d1b8ac1a1","price_dollars":"0.480","yes_bid_dollars":"0.450","yes_ask_dollars":"0.530","volume_fp":"33896.00","open_interest_fp":"20422.00","dollar_volume":16948,"dollar_open_interest":10211,"yes_bid_size_fp":"300.00","yes_ask_size_fp":"150.00","last_trade_size_fp":"25.00","ts":1669149841,"ts_ms":1669149841000,"time":"2022-11-22T20:44:01Z"}}',
  '{"type":"trade","sid":11,"msg":{"trade_id":"d91bc706-ee49-470d-82d8-11418bda6fed","market_ticker":"HIGHNY-22DEC23-B53.5","yes_price_dollars":"0.360","no_price_dollars":"0.640","count_fp":"136.00","taker_side":"no","taker_outcome_side":"no","taker_book_side":"ask","is_block_trade":false,"ts":1669149841,"ts_ms":1669149841000}}',
  '{"type":"fill","sid":13,"msg":{"trade_id":"d91bc706-ee49-470d-82d8-11418bda6fed","order_id":"ee587a1c-8b87-4dcf-b721-9f6f790619fa","market_ticker":"HIGHNY-22DEC23-B53.5","exchange_index":0,"is_taker":true,"side":"yes","action":"buy","outcome_side":"yes","book_side":"bid","yes_price_dollars":"0.750","count_fp":"278.00","fee_cost":"0.0000","post_position_fp":"500.00","purchased_side":"yes","ts":1671899397,"ts_ms":1671899397000,"subaccount":3}}',
  '{"type":"market_position","sid":14,"msg":{"user_id":"user123","market_ticker":"FED-23DEC-T3.00","position_fp":"100.00","position_cost_dollars":"50.0000","realized_pnl_dollars":"10.0000","fees_paid_dollars":"1.0000","position_fee_cost_dollars":"0.5000","volume_fp":"15.00"}}',
  '{"type":"user_order","sid":22,"msg":{"order_id":"ee587a1c-8b87-4dcf-b721-9f6f790619fa","user_id":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","ticker":"FED-23DEC-T3.00","status":"resting","side":"yes","is_yes":true,"outcome_side":"yes","book_side":"bid","yes_price_dollars":"0.3500","fill_count_fp":"0.00","remaining_count_fp":"10.00","initial_count_fp":"10.00","taker_fill_cost_dollars":"0.0000","maker_fill_cost_dollars":"0.0000","taker_fees_dollars":"0.0000","maker_fees_dollars":"0.0000","client_order_id":"my-order-1","order_group_id":"og_123","self_trade_prevention_type":"taker_at_cross","created_time":"2024-12-01T10:00:00Z","created_ts_ms":1733047200000,"expiration_ts_ms":1733050800000,"subaccount_number":0}}',
  '{"type":"market_lifecycle_v2","sid":13,"msg":{"market_ticker":"INXD-23SEP14-B4487","event_type":"created","exchange_index":0,"open_ts":1694635200,"close_ts":1694721600,"price_level_structure":"linear_cent","additional_metadata":{"name":"S&P 500 daily return on Sep 14","title":"S&P 500 closes up by 0.02% or more","can_close_early":true,"event_ticker":"INXD-23SEP14","expected_expiration_ts":1694721600,"strike_type":"greater","floor_strike":4487}}}',
  '{"type":"market_lifecycle_v2","sid":13,"msg":{"market_ticker":"INXD-23SEP14-B4487","event_type":"determined","result":"yes","determination_ts":1694722000,"settlement_value":"1.0000"}}',
  '{"type":"event_lifecycle","sid":5,"msg":{"event_ticker":"KXQUICKSETTLE-26JAN25H2150","exchange_index":0,"title":"What will 1+1 equal on Jan 25 at 21:50?","subtitle":"Jan 25 at 21:50","collateral_return_type":"MECNET","series_ticker":"KXQUICKSETTLE"}}',
];

const replyFrames = [
  '{"id":1,"type":"subscribed","msg":{"channel":"orderbook_delta","sid":1}}',
  '{"id":102,"sid":2,"seq":7,"type":"unsubscribed"}',
  '{"id":123,"sid":456,"seq":222,"type":"ok","msg":{"market_tickers":["MARKET-1","MARKET-2","MARKET-3"]}}',
  '{"id":3,"type":"ok","msg":[{"channel":"orderbook_delta","sid":1},{"channel":"ticker","sid":2},{"channel":"fill","sid":3}]}',
  '{"id":123,"type":"error","msg":{"code":6,"msg":"Already subscribed"}}',
  '{"id":127,"type":"error","msg":{"code":16,"msg":"Market not found","market_ticker":"INVALID-MARKET"}}',
];

const commands = [
  '{"id":1,"cmd":"subscribe","params":{"channels":["orderbook_delta","trade"],"market_tickers":["KXWTACHALLENGERMATCH-26JUN11JIMLEP-LEP"],"use_yes_price":true}}',
  '{"id":3,"cmd":"subscribe","params":{"channels":["fill"]}}',
  '{"id":124,"cmd":"unsubscribe","params":{"sids":[1,2]}}',
  '{"id":3,"cmd":"list_subscriptions"}',
  '{"id":124,"cmd":"update_subscription","params":{"sids":[456],"market_tickers":["NEW-MARKET-1","NEW-MARKET-2"],"action":"add_markets"}}',
  '{"id":127,"cmd":"update_subscription","params":{"sids":[456],"market_tickers":["MARKET-1","MARKET-2"],"action":"get_snapshot"}}',
];

describe('WebSocket protocol schemas', () => {
  it.each(dataFrames.map((f) => [JSON.parse(f).type as string, f]))(
    'parses a documented %s data message',
    (_type, frame) => {
      const value = JSON.parse(frame);
      expect(wsDataMessageSchema.parse(value).type).toBe(value.type);
      expect(wsInboundMessageSchema.parse(value).type).toBe(value.type);
    },
  );

  it.each(replyFrames.map((f) => [JSON.parse(f).type as string, f]))(
    'parses a documented %s reply',
    (_type, frame) => {
      expect(wsReplySchema.parse(JSON.parse(frame)).type).toBe(JSON.parse(frame).type);
    },
  );

  it.each(commands.map((c) => [JSON.parse(c).cmd as string, c]))(
    'parses a documented %s command',
    (_cmd, command) => {
      expect(wsCommandSchema.parse(JSON.parse(command)).cmd).toBe(JSON.parse(command).cmd);
    },
  );

  it('rejects a fill without the required fee_cost and a delta with a float count', () => {
    const fill = JSON.parse(dataFrames[2] ?? '{}');
    delete fill.msg.fee_cost;
    expect(wsDataMessageSchema.safeParse(fill).success).toBe(false);
    const delta = {
      type: 'orderbook_delta',
      sid: 1,
      seq: 2,
      msg: { market_ticker: 'X', price_dollars: '0.47', delta_fp: -3, side: 'yes' },
    };
    expect(wsDataMessageSchema.safeParse(delta).success).toBe(false);
  });

  it('tolerates unknown extra fields and recognises only modelled message types', () => {
    const trade = JSON.parse(dataFrames[1] ?? '{}');
    trade.msg.brand_new_field = 1;
    expect(wsDataMessageSchema.safeParse(trade).success).toBe(true);
    expect(isKnownInboundType('trade')).toBe(true);
    expect(isKnownInboundType('event_fee_update')).toBe(false);
  });
});
