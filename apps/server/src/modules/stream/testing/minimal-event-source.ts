/**
 * A client that reads an SSE stream the way a browser's EventSource does, for tests that
 * must prove what a plain `eventSource.onmessage = ...` client receives.
 *
 * The parsing follows the "interpreting an event stream" rules of the HTML standard for
 * the parts a stream can use: lines end in LF, CRLF or CR; a line starting with `:` is a
 * comment; `field: value` drops one space after the colon; `data` lines join with LF; `event`
 * names the event; `id` sets the last event id (kept across messages); `retry` and unknown
 * fields are skipped; an empty line dispatches, unless no data was given. Like a browser, only
 * an event without a name (type "message") reaches `onmessage`; a named event never does, so
 * it is only counted in `namedEvents` (for the assertion messages of a failing test).
 * No reconnecting: a test that wants a second connection opens one.
 */
import http from 'node:http';

export interface MinimalMessageEvent {
  type: 'message';
  data: string;
  lastEventId: string;
}

export class SseParser {
  onmessage: ((event: MinimalMessageEvent) => void) | null = null;
  /** Names of the events that carried an `event:` field: an `onmessage` client never sees them. */
  readonly namedEvents: string[] = [];
  private pending = '';
  private data = '';
  private eventType = '';
  private lastEventId = '';

  push(chunk: string): void {
    this.pending += chunk;
    // A CR at the end may be the first half of a CRLF split across chunks: wait for more.
    const complete = this.pending.endsWith('\r') ? this.pending.length - 1 : this.pending.length;
    const lines = this.pending.slice(0, complete).split(/\r\n|\r|\n/);
    this.pending = (lines.pop() ?? '') + this.pending.slice(complete);
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data += `${value}\n`;
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
  }

  private dispatch(): void {
    const type = this.eventType === '' ? 'message' : this.eventType;
    const data = this.data;
    this.data = '';
    this.eventType = '';
    if (data === '') return;
    if (type !== 'message') {
      this.namedEvents.push(type);
      return;
    }
    this.onmessage?.({ type: 'message', data: data.slice(0, -1), lastEventId: this.lastEventId });
  }
}

/** Opens `path` on a local server and feeds the response through an `SseParser`. */
export class MinimalEventSource extends SseParser {
  /** Resolves with the status once the response headers arrive; rejects on a refusal. */
  readonly opened: Promise<number>;
  isEnded = false;
  private readonly request: http.ClientRequest;

  constructor(args: { port: number; path: string; headers?: Record<string, string> }) {
    super();
    let resolveOpened: (status: number) => void = () => undefined;
    let rejectOpened: (error: Error) => void = () => undefined;
    this.opened = new Promise<number>((resolve, reject) => {
      resolveOpened = resolve;
      rejectOpened = reject;
    });
    this.request = http.get(
      {
        host: '127.0.0.1',
        port: args.port,
        path: args.path,
        headers: { Accept: 'text/event-stream', 'Cache-Control': 'no-cache', ...args.headers },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        // A browser fails the connection on any other status or content type.
        if (status !== 200 || !/^text\/event-stream/.test(response.headers['content-type'] ?? '')) {
          response.resume();
          rejectOpened(new Error(`not an event stream: ${status} ${response.headers['content-type']}`));
          return;
        }
        resolveOpened(status);
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => this.push(chunk));
        response.on('end', () => {
          this.isEnded = true;
        });
      },
    );
    this.request.on('error', (error) => rejectOpened(error));
  }

  close(): void {
    this.request.destroy();
  }
}
