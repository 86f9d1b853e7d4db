/** What the markets screens need to know about a held position (given by the app shell). */
export interface MarketHolding {
  side: 'YES' | 'NO';
  quantity: number;
}

export type Holdings = Readonly<Record<string, MarketHolding>>;
