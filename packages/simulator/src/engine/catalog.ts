/**
 * The exchange's listings: series, events and markets across weather, economics, politics
 * and sports, generated deterministically from a seed and a start time. Tickers and titles
 * follow Kalshi's conventions (SERIES-YYMONDD-STRIKE).
 */
import { centis, micros } from '@kalshi-desk/kalshi/protocol';
import { DECI_CENT_TAPERED, LINEAR_CENT, ONE_DOLLAR, snapToGrid } from './money.js';
import type { Prng } from './prng.js';
import type { EpochMs, EventData, Market, PriceRange, Series } from './types.js';

export interface CatalogOptions {
  /** Weather cities (1-12) and forecast days per city; each day is one 6-market event. */
  weatherCities?: number;
  weatherDays?: number;
}

export interface Catalog {
  series: Series[];
  events: EventData[];
  markets: Market[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const CITIES: { code: string; name: string; station: string; mean: number }[] = [
  { code: 'NY', name: 'NYC', station: 'Central Park, New York', mean: 48 },
  { code: 'CHI', name: 'Chicago', station: 'Chicago Midway', mean: 38 },
  { code: 'MIA', name: 'Miami', station: 'Miami International Airport', mean: 79 },
  { code: 'AUS', name: 'Austin', station: 'Austin Bergstrom', mean: 66 },
  { code: 'DEN', name: 'Denver', station: 'Denver International Airport', mean: 45 },
  { code: 'LAX', name: 'Los Angeles', station: 'Los Angeles Airport', mean: 68 },
  { code: 'PHIL', name: 'Philadelphia', station: 'Philadelphia International Airport', mean: 49 },
  { code: 'SEA', name: 'Seattle', station: 'Seattle-Tacoma Airport', mean: 50 },
  { code: 'BOS', name: 'Boston', station: 'Boston Logan Airport', mean: 45 },
  { code: 'ATL', name: 'Atlanta', station: 'Atlanta Hartsfield Airport', mean: 58 },
  { code: 'PHX', name: 'Phoenix', station: 'Phoenix Sky Harbor', mean: 70 },
  { code: 'DCA', name: 'Washington DC', station: 'Reagan National Airport', mean: 52 },
];

function dateCode(ms: EpochMs): string {
  const d = new Date(ms);
  const yy = String(d.getUTCFullYear() % 100).padStart(2, '0');
  return `${yy}${MONTHS[d.getUTCMonth()] ?? 'JAN'}${String(d.getUTCDate()).padStart(2, '0')}`;
}

function dateWords(ms: EpochMs): string {
  const d = new Date(ms);
  return `${MONTH_NAMES[d.getUTCMonth()] ?? 'Jan'} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

function floorToHour(ms: EpochMs): EpochMs {
  return Math.floor(ms / HOUR) * HOUR;
}

interface MarketDraft {
  suffix: string;
  yesSubTitle: string;
  title: string;
  rulesPrimary: string;
  strikeType: Market['strikeType'];
  floorStrike?: number;
  capStrike?: number;
  /** Probability of YES in integer micro-dollars, before it is snapped onto the market's grid. */
  latent: number;
  priceRanges?: PriceRange[];
  priceLevelStructure?: string;
}

export function buildCatalog(args: { startMs: EpochMs; prng: Prng; options?: CatalogOptions }): Catalog {
  const { startMs, prng } = args;
  const cities = Math.min(Math.max(args.options?.weatherCities ?? 3, 0), CITIES.length);
  const days = Math.max(args.options?.weatherDays ?? 2, 0);
  const created = floorToHour(startMs) - 2 * DAY;
  const series: Series[] = [];
  const events: EventData[] = [];
  const markets: Market[] = [];

  const addSeries = (
    s: Omit<Series, 'lastUpdatedMs' | 'contractTermsUrl' | 'tags'> & { tags?: string[] },
  ): void => {
    series.push({
      ...s,
      tags: s.tags ?? [],
      contractTermsUrl: `https://kalshi.com/regulatory/rulebook/${s.ticker}`,
      lastUpdatedMs: created,
    });
  };

  const addEvent = (e: {
    seriesTicker: string;
    eventTicker: string;
    title: string;
    subTitle: string;
    category: string;
    mutuallyExclusive: boolean;
    openMs: EpochMs;
    closeMs: EpochMs;
    rulesSecondary: string;
    drafts: MarketDraft[];
  }): void => {
    const tickers: string[] = [];
    for (const d of e.drafts) {
      const ticker = `${e.eventTicker}-${d.suffix}`;
      tickers.push(ticker);
      const ranges = d.priceRanges ?? LINEAR_CENT.map((r) => ({ ...r }));
      markets.push({
        ticker,
        marketId: prng.uuid(),
        eventTicker: e.eventTicker,
        seriesTicker: e.seriesTicker,
        title: d.title,
        yesSubTitle: d.yesSubTitle,
        noSubTitle: d.yesSubTitle,
        rulesPrimary: d.rulesPrimary,
        rulesSecondary: e.rulesSecondary,
        earlyCloseCondition: '',
        strikeType: d.strikeType,
        floorStrike: d.floorStrike ?? null,
        capStrike: d.capStrike ?? null,
        canCloseEarly: e.category === 'Sports',
        createdMs: created,
        updatedMs: created,
        openMs: e.openMs,
        closeMs: e.closeMs,
        expectedExpirationMs: e.closeMs + HOUR,
        latestExpirationMs: e.closeMs + 7 * DAY,
        settlementTimerSeconds: 60,
        status: e.openMs <= startMs ? 'active' : 'initialized',
        result: '',
        priceLevelStructure: d.priceLevelStructure ?? 'linear_cent',
        priceRanges: ranges,
        volume: centis(0),
        volume24h: centis(0),
        openInterest: centis(0),
        lastPrice: micros(0),
        lastTradeSize: centis(0),
        dollarVolume: micros(0),
        previousPrice: micros(0),
        previousYesBid: micros(0),
        previousYesAsk: micros(0),
        determinationMs: null,
        settledMs: null,
        settlementValue: null,
        latent: snapToGrid(micros(d.latent), ranges),
        target: null,
      });
    }
    events.push({
      eventTicker: e.eventTicker,
      seriesTicker: e.seriesTicker,
      title: e.title,
      subTitle: e.subTitle,
      category: e.category,
      mutuallyExclusive: e.mutuallyExclusive,
      strikeDateMs: e.closeMs,
      marketTickers: tickers,
      lastUpdatedMs: created,
    });
  };

  // Weather: one mutually exclusive event per city and day, six temperature buckets.
  for (const city of CITIES.slice(0, cities)) {
    const seriesTicker = `KXHIGH${city.code}`;
    addSeries({
      ticker: seriesTicker,
      title: `Highest temperature in ${city.name}`,
      category: 'Climate and Weather',
      frequency: 'daily',
      tags: ['Weather'],
      feeType: 'quadratic',
      feeMultiplier: 1,
      settlementSources: [{ name: 'National Weather Service', url: 'https://www.weather.gov/' }],
      contractUrl: `https://kalshi.com/markets/${seriesTicker.toLowerCase()}`,
    });
    for (let day = 0; day < days; day += 1) {
      const dayStart = Math.floor(startMs / DAY) * DAY + day * DAY;
      const closeMs = dayStart + DAY + 4 * HOUR + 59 * 60_000; // 23:59 Eastern
      const code = dateCode(dayStart);
      const center = city.mean + prng.int(-4, 4);
      const low = center - 4;
      const words = dateWords(dayStart);
      const weights = [0.08, 0.17, 0.27, 0.24, 0.16, 0.08].map((w) => w * (0.7 + prng.next() * 0.6));
      const total = weights.reduce((a, b) => a + b, 0);
      const p = (i: number): number => Math.round(((weights[i] ?? 0) / total) * 1_000_000);
      const rules = (cond: string): string =>
        `If the highest temperature recorded in ${city.name} for ${words} as reported by the National Weather Service's Climatological Report (Daily) is ${cond}, then the market resolves to Yes.`;
      const drafts: MarketDraft[] = [
        {
          suffix: `T${low}`,
          yesSubTitle: `${low - 1}° or below`,
          title: `Will the high temp in ${city.name} be <${low}° on ${words}?`,
          rulesPrimary: rules(`less than ${low}°`),
          strikeType: 'less',
          capStrike: low,
          latent: p(0),
        },
      ];
      for (let i = 0; i < 4; i += 1) {
        const lo = low + 2 * i;
        drafts.push({
          suffix: `B${lo + 0.5}`,
          yesSubTitle: `${lo}° to ${lo + 1}°`,
          title: `Will the high temp in ${city.name} be ${lo}-${lo + 1}° on ${words}?`,
          rulesPrimary: rules(`between ${lo}-${lo + 1}°`),
          strikeType: 'between',
          floorStrike: lo,
          capStrike: lo + 1,
          latent: p(i + 1),
        });
      }
      const high = low + 7;
      drafts.push({
        suffix: `T${high}`,
        yesSubTitle: `${high + 1}° or above`,
        title: `Will the high temp in ${city.name} be >${high}° on ${words}?`,
        rulesPrimary: rules(`greater than ${high}°`),
        strikeType: 'greater',
        floorStrike: high,
        latent: p(5),
      });
      addEvent({
        seriesTicker,
        eventTicker: `${seriesTicker}-${code}`,
        title: `Highest temperature in ${city.name} on ${words}?`,
        subTitle: `On ${words}`,
        category: 'Climate and Weather',
        mutuallyExclusive: true,
        // The last forecast day opens a little after start so the lifecycle can be watched.
        openMs: day === days - 1 && days > 1 ? startMs + 10 * 60_000 : created,
        closeMs,
        rulesSecondary: `Not even a short-term temperature reading above the threshold counts unless it appears in the final Climatological Report for ${city.station}.`,
        drafts,
      });
    }
  }

  // Economics: Fed rate thresholds (independent markets) and CPI with a deci-cent grid.
  addSeries({
    ticker: 'KXFED',
    title: 'Fed funds rate',
    category: 'Economics',
    frequency: 'custom',
    tags: ['Fed', 'Interest rates'],
    feeType: 'quadratic_with_maker_fees',
    feeMultiplier: 1,
    settlementSources: [{ name: 'Federal Reserve', url: 'https://www.federalreserve.gov/' }],
    contractUrl: 'https://kalshi.com/markets/kxfed',
  });
  const fedClose = floorToHour(startMs) + 22 * DAY + 19 * HOUR;
  const fedWords = dateWords(fedClose);
  addEvent({
    seriesTicker: 'KXFED',
    eventTicker: `KXFED-${dateCode(fedClose).slice(0, 5)}`,
    title: `Fed funds target upper bound after the ${MONTH_NAMES[new Date(fedClose).getUTCMonth()] ?? ''} meeting?`,
    subTitle: `After the meeting ending ${fedWords}`,
    category: 'Economics',
    mutuallyExclusive: false,
    openMs: created,
    closeMs: fedClose,
    rulesSecondary:
      'The upper bound is read from the Federal Reserve implementation note published after the meeting.',
    drafts: [3.25, 3.5, 3.75, 4.0, 4.25].map((rate, i) => ({
      suffix: `T${rate.toFixed(2)}`,
      yesSubTitle: `Above ${rate.toFixed(2)}%`,
      title: `Will the upper bound of the federal funds rate be above ${rate.toFixed(2)}% following the Fed's meeting?`,
      rulesPrimary: `If the upper bound of the federal funds target range is above ${rate.toFixed(2)}% after the meeting ending ${fedWords}, then the market resolves to Yes.`,
      strikeType: 'greater' as const,
      floorStrike: rate,
      latent: [950_000, 820_000, 450_000, 120_000, 30_000][i] ?? 500_000,
    })),
  });
  addSeries({
    ticker: 'KXCPIYOY',
    title: 'CPI year-over-year',
    category: 'Economics',
    frequency: 'monthly',
    tags: ['Inflation'],
    feeType: 'quadratic',
    feeMultiplier: 1,
    settlementSources: [{ name: 'Bureau of Labor Statistics', url: 'https://www.bls.gov/cpi/' }],
    contractUrl: 'https://kalshi.com/markets/kxcpiyoy',
  });
  const cpiClose = floorToHour(startMs) + 15 * DAY + 13 * HOUR;
  addEvent({
    seriesTicker: 'KXCPIYOY',
    eventTicker: `KXCPIYOY-${dateCode(cpiClose).slice(0, 5)}`,
    title: 'CPI year-over-year in the next release?',
    subTitle: `Released ${dateWords(cpiClose)}`,
    category: 'Economics',
    mutuallyExclusive: false,
    openMs: created,
    closeMs: cpiClose,
    rulesSecondary: 'The non-seasonally-adjusted CPI-U 12-month change, rounded to one decimal, is used.',
    drafts: [2.5, 2.7, 2.9, 3.1].map((rate, i) => ({
      suffix: `T${rate.toFixed(1)}`,
      yesSubTitle: `Above ${rate.toFixed(1)}%`,
      title: `Will CPI inflation be above ${rate.toFixed(1)}% year-over-year?`,
      rulesPrimary: `If CPI-U inflation for the month is above ${rate.toFixed(1)}% year-over-year as first released by the BLS, then the market resolves to Yes.`,
      strikeType: 'greater' as const,
      floorStrike: rate,
      latent: [880_000, 610_000, 270_000, 64_000][i] ?? 500_000,
      // One market trades on a uniform tenth-of-a-cent grid, as some Kalshi markets do.
      ...(i === 3
        ? {
            priceLevelStructure: 'deci_cent',
            priceRanges: [{ start: micros(0), end: ONE_DOLLAR, step: micros(1_000) }],
          }
        : {}),
    })),
  });

  // Politics: mutually exclusive party outcome, the long shot on a tapered deci-cent grid.
  addSeries({
    ticker: 'KXPRESPARTY',
    title: 'Presidential election winner party',
    category: 'Elections',
    frequency: 'one_off',
    tags: ['US Elections'],
    feeType: 'quadratic',
    feeMultiplier: 1,
    settlementSources: [{ name: 'Associated Press', url: 'https://apnews.com/' }],
    contractUrl: 'https://kalshi.com/markets/kxpresparty',
  });
  const presClose = Date.UTC(2028, 10, 7, 15);
  addEvent({
    seriesTicker: 'KXPRESPARTY',
    eventTicker: 'KXPRESPARTY-2028',
    title: 'Which party will win the 2028 presidential election?',
    subTitle: 'In 2028',
    category: 'Elections',
    mutuallyExclusive: true,
    openMs: created,
    closeMs: presClose,
    rulesSecondary:
      'The winner is the party of the candidate who wins the Electoral College, as certified by Congress.',
    drafts: [
      { suffix: 'D', name: 'Democratic', p: 505_000 },
      { suffix: 'R', name: 'Republican', p: 472_000 },
      { suffix: 'O', name: 'another party', p: 23_000 },
    ].map((c) => ({
      suffix: c.suffix,
      yesSubTitle: c.name === 'another party' ? 'Other' : c.name,
      title: `Will the ${c.name === 'another party' ? 'candidate of another party' : `${c.name} candidate`} win the 2028 presidential election?`,
      rulesPrimary: `If the ${c.name} nominee wins the 2028 United States presidential election, then the market resolves to Yes.`,
      strikeType: 'structured' as const,
      latent: c.p,
      ...(c.suffix === 'O'
        ? { priceLevelStructure: 'tapered_deci_cent', priceRanges: DECI_CENT_TAPERED.map((r) => ({ ...r })) }
        : {}),
    })),
  });
  addSeries({
    ticker: 'KXGOVSHUT',
    title: 'Government shutdown',
    category: 'Politics',
    frequency: 'custom',
    tags: ['Congress'],
    feeType: 'quadratic',
    feeMultiplier: 1,
    settlementSources: [{ name: 'Office of Management and Budget', url: 'https://www.whitehouse.gov/omb/' }],
    contractUrl: 'https://kalshi.com/markets/kxgovshut',
  });
  const shutClose = floorToHour(startMs) + 37 * DAY;
  addEvent({
    seriesTicker: 'KXGOVSHUT',
    eventTicker: `KXGOVSHUT-${dateCode(shutClose)}`,
    title: `Will the federal government shut down before ${dateWords(shutClose)}?`,
    subTitle: `Before ${dateWords(shutClose)}`,
    category: 'Politics',
    mutuallyExclusive: false,
    openMs: created,
    closeMs: shutClose,
    rulesSecondary:
      'A lapse in appropriations that causes OMB to direct agencies to execute shutdown plans counts.',
    drafts: [
      {
        suffix: 'YES',
        yesSubTitle: 'Shutdown',
        title: `Government shutdown before ${dateWords(shutClose)}?`,
        rulesPrimary: `If a federal government shutdown begins before ${dateWords(shutClose)}, then the market resolves to Yes.`,
        strikeType: 'structured',
        latent: 180_000,
      },
    ],
  });

  // Sports: head-to-head games, two mutually exclusive markets each.
  const games: {
    series: string;
    league: string;
    away: [string, string];
    home: [string, string];
    hoursAhead: number;
  }[] = [
    {
      series: 'KXNBAGAME',
      league: 'Pro Basketball',
      away: ['LAL', 'Los Angeles L'],
      home: ['BOS', 'Boston'],
      hoursAhead: 26,
    },
    {
      series: 'KXNBAGAME',
      league: 'Pro Basketball',
      away: ['GSW', 'Golden State'],
      home: ['DEN', 'Denver'],
      hoursAhead: 28,
    },
    {
      series: 'KXNFLGAME',
      league: 'Pro Football',
      away: ['KC', 'Kansas City'],
      home: ['BUF', 'Buffalo'],
      hoursAhead: 100,
    },
  ];
  const sportsSeries = new Set<string>();
  for (const g of games) {
    if (!sportsSeries.has(g.series)) {
      sportsSeries.add(g.series);
      addSeries({
        ticker: g.series,
        title: `${g.league} Game`,
        category: 'Sports',
        frequency: 'custom',
        tags: [g.league === 'Pro Basketball' ? 'Basketball' : 'Football'],
        feeType: 'quadratic',
        feeMultiplier: 1,
        settlementSources: [{ name: 'ESPN', url: 'https://www.espn.com/' }],
        contractUrl: `https://kalshi.com/markets/${g.series.toLowerCase()}`,
      });
    }
    const start = floorToHour(startMs) + g.hoursAhead * HOUR;
    const eventTicker = `${g.series}-${dateCode(start)}${g.away[0]}${g.home[0]}`;
    const homeP = 400_000 + prng.int(0, 30) * 10_000;
    addEvent({
      seriesTicker: g.series,
      eventTicker,
      title: `${g.away[1]} at ${g.home[1]}`,
      subTitle: `${g.away[0]} at ${g.home[0]} (${dateWords(start)})`,
      category: 'Sports',
      mutuallyExclusive: true,
      openMs: created,
      closeMs: start + 14 * DAY,
      rulesSecondary:
        'If the game is postponed, the market stays open until the rescheduled game finishes (within two weeks).',
      drafts: [
        { team: g.away, p: 1_000_000 - homeP },
        { team: g.home, p: homeP },
      ].map((t) => ({
        suffix: t.team[0],
        yesSubTitle: t.team[1],
        title: `${g.away[1]} at ${g.home[1]} Winner?`,
        rulesPrimary: `If ${t.team[1]} wins the ${g.away[1]} at ${g.home[1]} game originally scheduled for ${dateWords(start)}, then the market resolves to Yes.`,
        strikeType: 'structured' as const,
        latent: t.p,
      })),
    });
  }
  for (const m of markets)
    if (m.canCloseEarly)
      m.earlyCloseCondition = 'This market will close and expire after a winner is declared.';
  return { series, events, markets };
}
