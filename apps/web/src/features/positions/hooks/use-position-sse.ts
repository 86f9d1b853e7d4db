import { useEffect, useRef } from 'react';
import type { EventSourceFactory } from '../../../lib/event-stream';
import { fetchAccountSnapshot } from '../api/positions.api';
import { usePositionsStore } from '../stores/positions.store';
import {
  createPositionStreamController,
  type PositionStreamController,
  type PositionStreamOptions,
} from './position-stream';

export interface UsePositionSSEOptions {
  /** Open the stream only while there is a session. */
  isEnabled: boolean;
  onUnauthorized?: () => void;
  createEventSource?: EventSourceFactory;
  maxStreamErrors?: number;
  pollIntervalMs?: number;
  streamRetryMs?: number;
  scheduleFlush?: PositionStreamOptions['scheduleFlush'];
}

/**
 * Opens one positions stream while enabled, feeding the positions store; falls back to
 * polling when SSE is unavailable and returns to SSE when it comes back. Returns `refresh`.
 * On disable/unmount the stream closes and the store is emptied.
 */
export function usePositionSSE(options: UsePositionSSEOptions): { refresh: () => void } {
  const { isEnabled, createEventSource, maxStreamErrors, pollIntervalMs, streamRetryMs, scheduleFlush } =
    options;
  const controllerRef = useRef<PositionStreamController | null>(null);
  const onUnauthorizedRef = useRef(options.onUnauthorized);
  onUnauthorizedRef.current = options.onUnauthorized;

  useEffect(() => {
    if (!isEnabled) return undefined;
    const { dispatchMany, dispatch } = usePositionsStore.getState();
    const controller = createPositionStreamController({
      dispatchMany,
      fetchSnapshot: fetchAccountSnapshot,
      onUnauthorized: () => onUnauthorizedRef.current?.(),
      createEventSource,
      maxStreamErrors,
      pollIntervalMs,
      streamRetryMs,
      scheduleFlush,
    });
    controllerRef.current = controller;
    controller.start();
    return () => {
      controller.stop();
      controllerRef.current = null;
      dispatch({ type: 'reset' });
    };
  }, [isEnabled, createEventSource, maxStreamErrors, pollIntervalMs, streamRetryMs, scheduleFlush]);

  return { refresh: () => controllerRef.current?.refresh() };
}
