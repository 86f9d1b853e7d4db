/** Test doubles for the SSE hub: a sink whose congestion the test controls, and an SSE parser. */
import type { SseSink } from '../stream.hub.js';

export interface ParsedSseMessage {
  id: number | null;
  /** The message's kind: the `type` inside its JSON (null when the JSON has none). */
  event: string | null;
  /** The SSE `event:` field. Our streams never send one (see contracts' stream.ts). */
  eventField: string | null;
  /** The whole JSON of the `data:` lines, `type` included. */
  data: unknown;
}

function typeOf(json: unknown): string | null {
  if (typeof json !== 'object' || json === null || !('type' in json)) return null;
  return typeof json.type === 'string' ? json.type : null;
}

/** Parses complete SSE messages (comments and `retry:` lines skipped). */
export function parseSse(text: string): { messages: ParsedSseMessage[]; comments: string[]; rest: string } {
  const messages: ParsedSseMessage[] = [];
  const comments: string[] = [];
  const blocks = text.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let id: number | null = null;
    let eventField: string | null = null;
    let data: string | null = null;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) id = Number(line.slice(4));
      else if (line.startsWith('event: ')) eventField = line.slice(7);
      else if (line.startsWith('data: ')) data = (data === null ? '' : `${data}\n`) + line.slice(6);
    }
    if (eventField !== null || data !== null) {
      const json: unknown = data === null ? null : JSON.parse(data);
      messages.push({ id, event: typeOf(json), eventField, data: json });
    }
  }
  return { messages, comments, rest };
}

export class FakeSink implements SseSink {
  written = '';
  isCongested = false;
  isEnded = false;
  private drainListeners: (() => void)[] = [];

  write(chunk: string): boolean {
    this.written += chunk;
    return !this.isCongested;
  }
  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }
  end(): void {
    this.isEnded = true;
  }
  drain(): void {
    this.isCongested = false;
    const listeners = this.drainListeners;
    this.drainListeners = [];
    for (const l of listeners) l();
  }
  messages(): ParsedSseMessage[] {
    return parseSse(this.written).messages;
  }
  comments(): string[] {
    return parseSse(this.written).comments;
  }
  take(): ParsedSseMessage[] {
    const messages = this.messages();
    this.written = '';
    return messages;
  }
}
