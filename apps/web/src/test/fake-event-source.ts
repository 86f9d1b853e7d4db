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

  emit(type: string, data: unknown, id = ''): void {
    this.dispatchEvent(new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id }));
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
