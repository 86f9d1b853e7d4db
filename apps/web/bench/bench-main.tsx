import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { PortfolioSummaryBar } from '../src/features/positions/components/portfolio-summary-bar';
import { PositionPanel } from '../src/features/positions/components/position-panel';
import { createPositionStreamController } from '../src/features/positions/hooks/position-stream';
import { usePositionsStore } from '../src/features/positions/stores/positions.store';
import '../src/index.css';
import { makeBenchPositions, seededRandom, syntheticEventSource } from './synthetic-source';

/**
 * The positions panel and summary bar, fed by a synthetic stream through the same controller,
 * parser and store the app uses. Results land on window.__benchResult.
 */
const params = new URLSearchParams(window.location.search);
const positionCount = Number(params.get('positions') ?? 1000);
const ratePerSecond = Number(params.get('rate') ?? 200);
const warmupMs = Number(params.get('warmup') ?? 3000);
const measureMs = Number(params.get('duration') ?? 10000);

export interface BenchResult {
  positions: number;
  ratePerSecond: number;
  measuredMs: number;
  updatesSent: number;
  frames: number;
  fps: number;
  longestFrameMs: number;
  longTasks: number;
  longestTaskMs: number;
  /** Long Animation Frames API: what ran in the worst frame over 50 ms (Chromium). */
  worstFrame: { durationMs: number; blockingMs: number; scripts: string[] } | null;
  /** Time to apply one batch of stream events and re-render, in ms. */
  flush: { count: number; p50: number; p99: number; max: number };
  userAgent: string;
}

declare global {
  interface Window {
    __benchResult?: BenchResult;
  }
}

const random = seededRandom(42);
const source = syntheticEventSource({
  positions: makeBenchPositions(positionCount, random),
  ratePerSecond,
  random,
});
let isMeasuring = false;
// Our own work per frame: applying a batch to the store plus React's synchronous re-render.
const flushDurations: number[] = [];
const controller = createPositionStreamController({
  dispatchMany: (actions) => {
    const start = performance.now();
    usePositionsStore.getState().dispatchMany(actions);
    // React renders a store change in a microtask queued during dispatch; this one runs after it.
    queueMicrotask(() => {
      if (isMeasuring) flushDurations.push(performance.now() - start);
    });
  },
  fetchSnapshot: () => Promise.reject(new Error('the bench has no REST server')),
  createEventSource: source.factory,
});
controller.start();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <div className="flex h-dvh flex-col">
        <PortfolioSummaryBar onRefresh={() => undefined} />
        <div className="flex min-h-0 flex-1">
          <aside className="flex w-96 flex-col border-r">
            <PositionPanel />
          </aside>
          <main className="flex-1 p-6 text-sm text-muted-foreground" id="bench-status">
            {positionCount} positions, {ratePerSecond} updates/s
          </main>
        </div>
      </div>
    </StrictMode>,
  );
}

let longTasks = 0;
let longestTaskMs = 0;
try {
  new PerformanceObserver((list) => {
    if (!isMeasuring) return;
    for (const entry of list.getEntries()) {
      longTasks += 1;
      longestTaskMs = Math.max(longestTaskMs, entry.duration);
    }
  }).observe({ type: 'longtask', buffered: false });
} catch {
  // longtask is Chromium-only; the frame gaps still tell the story elsewhere.
}

interface LoafScript {
  invoker: string;
  sourceFunctionName: string;
  duration: number;
}
interface LoafEntry extends PerformanceEntry {
  blockingDuration: number;
  scripts: LoafScript[];
}
let worstFrame: BenchResult['worstFrame'] = null;
try {
  new PerformanceObserver((list) => {
    if (!isMeasuring) return;
    for (const entry of list.getEntries() as LoafEntry[]) {
      if (worstFrame && worstFrame.durationMs >= entry.duration) continue;
      worstFrame = {
        durationMs: Math.round(entry.duration),
        blockingMs: Math.round(entry.blockingDuration),
        scripts: entry.scripts.map((s) => `${s.invoker} ${s.sourceFunctionName} ${Math.round(s.duration)}ms`),
      };
    }
  }).observe({ type: 'long-animation-frame', buffered: false });
} catch {
  // Not supported: the longtask numbers above still apply.
}

function summarize(values: number[]): BenchResult['flush'] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 100) / 100;
  return {
    count: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    max: Math.round((sorted[sorted.length - 1] ?? 0) * 100) / 100,
  };
}

function measure() {
  const sentAtStart = source.sent();
  let frames = 0;
  let longestFrameMs = 0;
  let last = performance.now();
  const start = last;
  isMeasuring = true;
  // Scroll the list as a trader would, so virtualization work is part of the measurement.
  const scroller = () => document.querySelector<HTMLElement>('[data-testid="position-list"]');
  const scrollTimer = setInterval(() => {
    const el = scroller();
    if (el) el.scrollTop = (el.scrollTop + 600) % Math.max(1, el.scrollHeight - el.clientHeight);
  }, 500);
  const frame = (t: number) => {
    frames += 1;
    longestFrameMs = Math.max(longestFrameMs, t - last);
    last = t;
    if (t - start < measureMs) {
      requestAnimationFrame(frame);
      return;
    }
    clearInterval(scrollTimer);
    isMeasuring = false;
    const measuredMs = t - start;
    window.__benchResult = {
      positions: positionCount,
      ratePerSecond,
      measuredMs: Math.round(measuredMs),
      updatesSent: source.sent() - sentAtStart,
      frames,
      fps: Math.round((frames / measuredMs) * 1000 * 10) / 10,
      longestFrameMs: Math.round(longestFrameMs * 10) / 10,
      longTasks,
      longestTaskMs: Math.round(longestTaskMs * 10) / 10,
      worstFrame,
      flush: summarize(flushDurations),
      userAgent: navigator.userAgent,
    };
    const status = document.getElementById('bench-status');
    if (status) status.textContent = JSON.stringify(window.__benchResult, null, 2);
  };
  requestAnimationFrame(frame);
}

setTimeout(measure, warmupMs);
