/** IPC messages between the bench orchestrator and its two child processes. */

export type ServerCommand =
  | { type: 'start'; restBaseUrl: string; wsUrl: string; keyId: string; privateKeyPem: string }
  | { type: 'probe'; gc: boolean };

export type ServerReport =
  | { type: 'ready'; port: number; cookie: string }
  | { type: 'probe'; rss: number; heapUsed: number; cpuMicros: number; at: number; sseClients: number };

/** One upstream ticker message: which held market (index), its sequence number there, when it was sent. */
export type SendRecord = [tickerIndex: number, n: number, sentAt: number];

export type ClientCommand =
  | {
      type: 'connect';
      port: number;
      cookie: string;
      count: number;
      mode: 'fast' | 'idle' | 'slow';
      tickers: string[];
    }
  | { type: 'sent'; records: SendRecord[] }
  | { type: 'measure' }
  | { type: 'report' }
  | { type: 'close' };

export interface LatencyReport {
  samples: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Clients that saw a gap in event ids (conflation): their later samples are not counted. */
  conflatedClients: number;
  /** Events received by all clients during the measurement. */
  events: number;
}

export type ClientReport =
  | { type: 'connected'; count: number }
  | { type: 'report'; latency: LatencyReport; slowBytesRead: number; cpuPercent: number };

/** High-resolution wall time shared by processes on one machine (ms). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
