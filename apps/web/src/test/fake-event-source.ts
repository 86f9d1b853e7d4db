import type { EventSourceFactory } from '../lib/event-stream';

/** A scriptable EventSource: tests open it, push events and make it fail. */
export class FakeEventSource extends EventTarget {
  static readonly instances: FakeEventSource[] = [];
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(
    readonly url: string,
    readonly init: EventSourceInit,
  ) {
    super();
    FakeEventSource.instances.push(this);
  }

  static latest(): FakeEventSource {
    const last = FakeEventSource.instances[FakeEventSource.instances.length - 1];
    if (!last) throw new Error('no EventSource was opened');
    return last;
  }

  static reset(): void {
    FakeEventSource.instances.length = 0;
  }

  open(): void {
    this.readyState = this.OPEN;
    this.onopen?.(new Event('open'));
  }

  /**
   * Sends one event as our server does: a default `message` event (no SSE `event:` field)
   * whose JSON is `{type, ...payload}` (the wire format in contracts' stream.ts).
   */
  emit(type: string, payload: object, id = ''): void {
    const data = JSON.stringify({ type, ...payload });
    this.dispatchEvent(new MessageEvent('message', { data, lastEventId: id }));
  }

  /** A dropped connection the browser would retry (`willRetry`), or a refusal it would not. */
  fail({ willRetry }: { willRetry: boolean }): void {
    this.readyState = willRetry ? this.CONNECTING : this.CLOSED;
    this.onerror?.(new Event('error'));
  }

  close(): void {
    this.readyState = this.CLOSED;
  }

  get isClosed(): boolean {
    return this.readyState === this.CLOSED;
  }
}

export const fakeEventSourceFactory: EventSourceFactory = (url, init) =>
  new FakeEventSource(url, init) as unknown as EventSource;
