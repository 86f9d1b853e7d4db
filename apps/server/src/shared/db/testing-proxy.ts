/**
 * Tests only: a TCP proxy in front of PostgreSQL that a test can turn off, to see what the
 * server does while its database is unreachable. Stopping the real database is not possible
 * from a test (it is shared); this is the next best thing, and it can fail in the two ways a
 * network does:
 *
 * - `blackhole()`: connections are accepted and then nothing comes back, and connections
 *   already open stop carrying bytes (a partition, a hung host: only timeouts end the wait);
 * - `refuse()`: nothing listens any more and open connections are reset (a stopped server).
 *
 * `restore()` forwards again; connections that lived through an outage are closed, since
 * bytes were dropped mid-protocol, and the driver opens new ones.
 */
import net from 'node:net';

type Mode = 'forward' | 'blackhole' | 'refuse';

interface Pair {
  client: net.Socket;
  upstream: net.Socket | null;
  /** Saw an outage: bytes were dropped, so it must not carry any again. */
  isBroken: boolean;
}

export class DatabaseProxy {
  private mode: Mode = 'forward';
  private readonly pairs = new Set<Pair>();
  private server: net.Server | null = null;
  private listenPort = 0;

  private constructor(private readonly target: { host: string; port: number }) {}

  /** A proxy on a free port of 127.0.0.1 forwarding to `target`. */
  static async start(target: { host: string; port: number }): Promise<DatabaseProxy> {
    const proxy = new DatabaseProxy(target);
    await proxy.listen();
    return proxy;
  }

  get port(): number {
    return this.listenPort;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String(this.listenPort);
    return through.toString();
  }

  /** Accepts and holds connections silent; open connections stop carrying bytes. */
  blackhole(): void {
    this.mode = 'blackhole';
    for (const pair of this.pairs) pair.isBroken = true;
  }

  /** Stops listening (connections are refused) and resets every open connection. */
  async refuse(): Promise<void> {
    this.mode = 'refuse';
    this.dropAll();
    await this.stopListening();
  }

  /** Forwards again. */
  async restore(): Promise<void> {
    this.mode = 'forward';
    for (const pair of this.pairs) if (pair.isBroken) this.drop(pair);
    if (this.server === null) await this.listen(this.listenPort);
  }

  async close(): Promise<void> {
    this.mode = 'refuse';
    this.dropAll();
    await this.stopListening();
  }

  private listen(port = 0): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        if (typeof address === 'object' && address !== null) this.listenPort = address.port;
        resolve();
      });
    });
  }

  private stopListening(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const pair: Pair = { client, upstream: null, isBroken: this.mode !== 'forward' };
    this.pairs.add(pair);
    client.on('error', () => this.drop(pair));
    client.on('close', () => this.drop(pair));
    if (this.mode === 'refuse') {
      this.drop(pair);
      return;
    }
    // Held silent: the client's bytes go nowhere, and no upstream connection is opened.
    client.on('data', (chunk: Buffer) => {
      if (!pair.isBroken && pair.upstream !== null) pair.upstream.write(chunk);
    });
    if (pair.isBroken) return;
    const upstream = net.connect(this.target);
    pair.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => {
      if (!pair.isBroken) client.write(chunk);
    });
    upstream.on('error', () => this.drop(pair));
    upstream.on('close', () => this.drop(pair));
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }

  private dropAll(): void {
    for (const pair of [...this.pairs]) this.drop(pair);
  }
}
