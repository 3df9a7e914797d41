import { Redis } from 'ioredis';
import { asyncScheduler, concatMap, timer, type Observable, type SchedulerLike } from 'rxjs';

const noop = (): void => undefined;

/** A channel subscription shared by every listener of that channel. */
interface Channel {
  readonly handlers: Set<(message: string) => void>;
  readonly subscribed: Promise<void>;
}

/** @internal Hides the credentials of a URL that may appear in a message. */
export function redactUrl(text: string): string {
  return text.replace(/(rediss?:\/\/)[^@/\s]*@/g, '$1***@');
}

/**
 * @internal The hub's two Redis connections — commands, and pub/sub (duplicated from the first) —
 * with what the hub needs on top of ioredis: fail fast when a connection that was up is down
 * (instead of queueing commands until it comes back), a timeout on every command, and channel
 * subscriptions shared by reference count. Its timeouts run on the hub's scheduler (the RxJS
 * `asyncScheduler` unless the hub was given another); leases live in Redis's own clock.
 */
export class RedisLink {
  readonly command: Redis;
  private readonly subscriber: Redis;
  private readonly ownsCommand: boolean;
  private readonly timeoutMs: number;
  private readonly channels = new Map<string, Channel>();
  private readonly wasReady = new WeakSet<Redis>();
  /** The first connection of each connection, shared by every command waiting for it. */
  private readonly connecting = new Map<Redis, Promise<void>>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly downListeners = new Set<(error: Error) => void>();
  private readonly upListeners = new Set<() => void>();
  /** Connections lost and not back yet. */
  private readonly down = new WeakSet<Redis>();
  private closed = false;

  constructor(
    redis: string | Redis,
    timeoutMs: number,
    /** The longest wait between two reconnection attempts (ioredis's own timer). */
    reconnectCapMs = 2000,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {
    this.timeoutMs = timeoutMs;
    const own = {
      lazyConnect: true,
      // No queueing: a command sent while Redis is down fails now (the hub then falls back) and is
      // never replayed later against a lease that has moved on.
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), reconnectCapMs),
      // ioredis arms a timer of this length on disconnect() that only a 'close' of the socket
      // clears — a socket that already failed (Redis down) never closes again, so with the default
      // (2 s) a hub closed during an outage kept the process alive that long.
      disconnectTimeout: 50,
    };
    if (typeof redis === 'string') {
      // Commands sent in the same tick (lease renewals of many tasks) go out in one write.
      this.command = new Redis(redis, { ...own, enableAutoPipelining: true });
      this.ownsCommand = true;
      this.command.on('error', noop);
    } else {
      this.command = redis;
      this.ownsCommand = false;
    }
    this.subscriber = this.command.duplicate(own);
    this.subscriber.on('error', noop);
    this.subscriber.on('message', (channel: string, message: string) => {
      const entry = this.channels.get(channel);
      if (entry !== undefined) for (const handler of [...entry.handlers]) handler(message);
    });
    for (const connection of [this.command, this.subscriber]) {
      if (connection.status === 'ready') this.wasReady.add(connection);
      connection.on('close', () => {
        if (this.closed || !this.wasReady.has(connection) || this.down.has(connection)) return;
        this.down.add(connection);
        const error = new Error(`the Redis ${connection === this.subscriber ? 'pub/sub ' : ''}connection was lost`);
        for (const listener of [...this.downListeners]) listener(error);
      });
      connection.on('ready', () => {
        const again = this.wasReady.has(connection);
        this.wasReady.add(connection);
        this.down.delete(connection);
        // Messages published while the subscriber was away are lost: let followers catch up.
        if (again && connection === this.subscriber) for (const listener of [...this.reconnectListeners]) listener();
        for (const listener of [...this.upListeners]) listener();
      });
    }
  }

  /** Calls `listener` each time the pub/sub connection is back after a loss. Returns the remover. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Calls `listener` each time a connection becomes ready (Redis answers again). Returns the remover. */
  onUp(listener: () => void): () => void {
    this.upListeners.add(listener);
    return () => this.upListeners.delete(listener);
  }

  /** Calls `listener` when a connection that was up is lost. Returns the remover. */
  onDown(listener: (error: Error) => void): () => void {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  /** Runs one command once the command connection is up, bounded by the timeout. */
  async call<T>(run: (redis: Redis) => Promise<T>): Promise<T> {
    await this.whenReady(this.command);
    return this.timed(run(this.command), 'a Redis command');
  }

  /**
   * Subscribes `handler` to `channel` (one SUBSCRIBE per channel whatever the number of
   * listeners). Resolves with the unsubscriber once Redis confirmed the subscription.
   */
  async listen(channel: string, handler: (message: string) => void): Promise<() => void> {
    let entry = this.channels.get(channel);
    if (entry === undefined) {
      const subscribed = this.whenReady(this.subscriber).then(() => this.timed(this.subscriber.subscribe(channel), 'SUBSCRIBE').then(noop));
      const created: Channel = { handlers: new Set(), subscribed };
      subscribed.catch(() => {
        if (this.channels.get(channel) === created) this.channels.delete(channel);
      });
      this.channels.set(channel, created);
      entry = created;
    }
    const { handlers } = entry;
    const listener = (message: string): void => handler(message);
    handlers.add(listener);
    try {
      await entry.subscribed;
    } catch (error) {
      handlers.delete(listener);
      throw error;
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      handlers.delete(listener);
      if (handlers.size === 0 && this.channels.get(channel) === entry) {
        this.channels.delete(channel);
        if (this.subscriber.status === 'ready') this.subscriber.unsubscribe(channel).catch(noop);
      }
    };
  }

  /** Closes the connections the hub opened (an instance passed in stays open). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    this.reconnectListeners.clear();
    this.downListeners.clear();
    this.upListeners.clear();
    await Promise.all([this.quit(this.subscriber), this.ownsCommand ? this.quit(this.command) : Promise.resolve()]);
  }

  private async quit(connection: Redis): Promise<void> {
    if (connection.status === 'ready') await this.timed(connection.quit(), 'QUIT').catch(noop);
    connection.disconnect();
  }

  /** Resolves when `connection` is up: at once when ready, after the first connection otherwise. */
  private async whenReady(connection: Redis): Promise<void> {
    if (this.closed) throw new Error('the Redis hub was closed');
    const { status } = connection;
    if (status === 'ready') return;
    if (status === 'end' || status === 'close' || status === 'reconnecting' || this.wasReady.has(connection)) {
      throw new Error(`the Redis connection is down (${status})`);
    }
    let first = this.connecting.get(connection);
    if (first === undefined) {
      first = this.firstConnection(connection).finally(() => this.connecting.delete(connection));
      this.connecting.set(connection, first);
    }
    await first;
  }

  private firstConnection(connection: Redis): Promise<void> {
    if (connection.status === 'wait') connection.connect().catch(noop);
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: unknown): void => {
        connection.off('ready', onReady);
        connection.off('error', onError);
        connection.off('end', onEnd);
        deadline.unsubscribe();
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error(String(error)));
      };
      const onReady = (): void => settle();
      const onError = (error: unknown): void => settle(error);
      const onEnd = (): void => settle(new Error('the Redis connection ended'));
      connection.on('ready', onReady);
      connection.on('error', onError);
      connection.on('end', onEnd);
      const deadline = this.deadline().subscribe(() => settle(new Error(`Redis did not answer within ${this.timeoutMs} ms`)));
    });
  }

  /**
   * Fires `timeoutMs` from now — then one more timer turn, so that after an event-loop stall the
   * replies that arrived meanwhile (read in the I/O phase, after the timers) settle first and a
   * busy process does not take a slow loop for a dead Redis.
   */
  private deadline(): Observable<unknown> {
    return timer(this.timeoutMs, this.scheduler).pipe(concatMap(() => timer(1, this.scheduler)));
  }

  /** `promise`, or a rejection after the timeout (the late outcome is then ignored). */
  private timed<T>(promise: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const deadline = this.deadline().subscribe(() => reject(new Error(`${what} timed out after ${this.timeoutMs} ms`)));
      promise.then(
        (value) => {
          deadline.unsubscribe();
          resolve(value);
        },
        (error: unknown) => {
          deadline.unsubscribe();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}
