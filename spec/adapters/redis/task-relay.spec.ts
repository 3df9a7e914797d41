import { Subject, VirtualTimeScheduler, defer, finalize, interval, Observable, type Subscription } from 'rxjs';
import type { TaskHubEvent } from '../../../lib/client/task-hub.js';
import type { LeaseReply, StreamEntry, TaskLease } from '../../../lib/adapters/redis/task-lease.js';
import { TaskRelay, rejoinEveryMs, type RelayConnection } from '../../../lib/adapters/redis/task-relay.js';
import { isTerminal, type TaskPhase, type TaskTransition } from '../../../lib/transitions.js';
import { chainProblems } from './chains.js';

// The relay's state machine under virtual time: the task's shared state (lease, stream,
// channel) kept in memory by the spec, its clock the virtual scheduler's, so that lease expiry,
// takeover and rejoining after an outage happen at exact, asserted instants.

const TASK = '6f1c2a4e-3b5d-4c7e-8f90-a1b2c3d4e5f6';
const LEASE_MS = 1000;

const STATES: Record<TaskPhase, TaskTransition['state']> = {
  pending: { phase: 'pending', status: 'PENDING' },
  started: { phase: 'started', status: 'STARTED' },
  retrying: { phase: 'retrying', status: 'RETRY' },
  succeeded: { phase: 'succeeded', status: 'SUCCESS', result: { status: 'SUCCESS' } },
  rejected: { phase: 'rejected', status: 'SUCCESS', error: { errorCode: 'E', errorMessage: 'no', details: [] } },
  failed: { phase: 'failed', status: 'FAILURE', error: { message: 'boom' } },
} as TaskTransition['state'] extends infer S ? Record<TaskPhase, S> : never;
const transition = (to: TaskPhase, at: number): TaskTransition => ({ taskId: TASK, from: null, to, state: STATES[to], at, polls: 1 }) as TaskTransition;

/** The task's shared state, in memory, on the virtual clock. */
class MemoryTask implements RelayConnection {
  down = false;
  entries: StreamEntry[] = [];
  holder: { owner: string; until: number } | undefined;
  private seq = 0;
  readonly handlers = new Set<(message: string) => void>();
  private readonly ups = new Set<() => void>();

  constructor(private readonly scheduler: VirtualTimeScheduler) {}

  now(): number {
    return this.scheduler.now();
  }
  owner(): string | undefined {
    return this.holder !== undefined && this.holder.until > this.now() ? this.holder.owner : undefined;
  }
  check(): void {
    if (this.down) throw new Error('connection refused');
  }
  after(afterId: string, latestOnly: boolean): StreamEntry[] {
    if (afterId === '') return latestOnly ? this.entries.slice(-1) : [...this.entries];
    return this.entries.filter(([id]) => id > afterId);
  }
  latestPhase(): string {
    const last = this.entries.at(-1);
    return last === undefined ? '' : String(last[1][1]);
  }
  append(phase: string, json: string): void {
    const id = `${String(this.now()).padStart(8, '0')}-${this.seq++}`;
    this.entries.push([id, ['p', phase, 'f', this.latestPhase(), 't', json]]);
    this.notify('p');
  }
  notify(message: string): void {
    for (const h of [...this.handlers]) h(message);
  }
  /** Redis answers again. */
  up(): void {
    this.down = false;
    for (const l of [...this.ups]) l();
  }
  onReconnect(): () => void {
    return () => undefined;
  }
  onDown(): () => void {
    return () => undefined;
  }
  onUp(listener: () => void): () => void {
    this.ups.add(listener);
    return () => this.ups.delete(listener);
  }
}

/** One relay's view of the {@link MemoryTask}, as `RedisTaskLease` is of Redis. */
class MemoryLease implements TaskLease {
  constructor(
    private readonly task: MemoryTask,
    private readonly ownerId: string,
  ) {}

  async listen(handler: (message: string) => void): Promise<() => void> {
    this.task.check();
    this.task.handlers.add(handler);
    return () => this.task.handlers.delete(handler);
  }
  async step(afterId: string, ask: 'read' | 'acquire'): Promise<LeaseReply> {
    this.task.check();
    const entries = this.task.after(afterId, true);
    if (ask === 'read') return { code: -3, entries };
    if (isTerminal(this.task.latestPhase() as TaskPhase)) return { code: -4, entries };
    const owner = this.task.owner();
    if (owner === undefined || owner === this.ownerId) {
      this.task.holder = { owner: this.ownerId, until: this.task.now() + LEASE_MS };
      return { code: -1, entries };
    }
    return { code: this.task.holder!.until - this.task.now(), entries };
  }
  async publish(phase: string, json: string, _content: string, terminal: boolean, afterId: string): Promise<LeaseReply> {
    this.task.check();
    if (this.task.owner() !== this.ownerId) return { code: 0, entries: this.task.after(afterId, false) };
    if (this.task.latestPhase() === phase) return { code: 2, entries: this.task.after(afterId, false) };
    this.task.append(phase, json);
    if (terminal) this.task.holder = undefined;
    return { code: 1, entries: this.task.after(afterId, false) };
  }
  async renew(): Promise<'held' | 'lost' | 'handed'> {
    this.task.check();
    if (this.task.owner() !== this.ownerId) return 'lost';
    this.task.holder = { owner: this.ownerId, until: this.task.now() + LEASE_MS };
    return 'held';
  }
  async release(): Promise<void> {
    this.task.check();
    if (this.task.owner() !== this.ownerId) return;
    this.task.holder = undefined;
    this.task.notify('r');
  }
}

/** Lets promise jobs run (the fake store answers in microtasks). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** Runs the virtual clock to `target` ms, letting promises settle between timer actions. */
async function advanceTo(scheduler: VirtualTimeScheduler, target: number): Promise<void> {
  await settle();
  for (let i = 0; i < 10_000; i++) {
    const next = scheduler.actions[0];
    if (next === undefined || next.delay > target) break;
    scheduler.maxFrames = next.delay;
    scheduler.flush();
    await settle();
  }
  scheduler.frame = Math.max(scheduler.frame, target);
  scheduler.maxFrames = Infinity;
  await settle();
}

interface Node {
  readonly name: string;
  readonly relay: TaskRelay;
  readonly loop: Subject<TaskTransition>;
  readonly seen: TaskTransition[];
  readonly roles: string[];
  /** Subscriptions to the local loop open now. */
  open: number;
  completed: boolean;
}

describe('TaskRelay (virtual time, in-memory store)', () => {
  let scheduler: VirtualTimeScheduler;
  let task: MemoryTask;
  const subs: Subscription[] = [];

  beforeEach(() => {
    scheduler = new VirtualTimeScheduler();
    task = new MemoryTask(scheduler);
  });
  afterEach(() => {
    for (const s of subs.splice(0)) s.unsubscribe();
  });

  /** A relay on the shared task; `renews`: the hub's renewal tick runs for it (every leaseMs / 3). */
  const node = (name: string, renews = false): Node => {
    const loop = new Subject<TaskTransition>();
    const created: Partial<Node> & { seen: TaskTransition[]; roles: string[]; open: number; completed: boolean } = { name, loop, seen: [], roles: [], open: 0, completed: false };
    const poll$ = defer(() => {
      created.open++;
      return loop.pipe(finalize(() => created.open--));
    });
    const out = new Observable<TaskTransition>((subscriber) => {
      const relay = new TaskRelay(
        TASK,
        poll$,
        subscriber,
        {
          lease: new MemoryLease(task, name),
          connection: task,
          leaseMs: LEASE_MS,
          onUnavailable: 'fallback',
          scheduler,
          random: () => 0,
          load: () => 0,
          asking: () => undefined,
          yieldMs: () => 0,
          onLeaseChange: () => undefined,
          track: () => undefined,
          onDone: () => undefined,
        },
        {
          now: () => scheduler.now(),
          report: (e: TaskHubEvent) => {
            if (e.type === 'hub-role') created.roles.push(`${e.role}@${e.at}`);
            else created.roles.push(`fallback@${e.at}`);
          },
        },
      );
      (created as { relay: TaskRelay }).relay = relay;
      const tick = renews ? interval(Math.floor(LEASE_MS / 3), scheduler).subscribe(() => relay.renew()) : undefined;
      relay.start();
      return () => {
        tick?.unsubscribe();
        relay.stop();
      };
    });
    subs.push(out.subscribe({ next: (t) => created.seen.push(t), complete: () => (created.completed = true) }));
    return created as Node;
  };

  it('the first relay polls; the other emits what it publishes; when the poller stops renewing, the other takes over at leaseMs, and the stalled one emits nothing twice', async () => {
    const a = node('a');
    await advanceTo(scheduler, 0);
    expect(a.relay.state).toBe('poller');
    expect(a.open).toBe(1);
    a.loop.next(transition('pending', 0));
    await advanceTo(scheduler, 10);
    const b = node('b');
    await advanceTo(scheduler, 20);
    expect(b.relay.state).toBe('follower');
    expect(b.open).toBe(0);
    a.loop.next(transition('started', 30));
    await advanceTo(scheduler, 40);
    expect(b.seen.map((t) => t.to)).toEqual(['pending', 'started']);

    // `a` stalls: no renewal. Its lease (taken at 0) runs out at 1000; `b` asks when it does.
    await advanceTo(scheduler, 999);
    expect(b.relay.state).toBe('follower');
    await advanceTo(scheduler, 1020);
    expect(b.relay.state).toBe('poller');
    expect(b.roles).toEqual(['follower@10', 'poller@1000']);
    expect(b.open).toBe(1);
    b.loop.next(transition('retrying', 1100));
    await advanceTo(scheduler, 1110);

    // `a` wakes up with a response of its own: fenced out (not published, not emitted), it follows.
    a.loop.next(transition('retrying', 1200));
    await advanceTo(scheduler, 1210);
    expect(a.relay.state).toBe('follower');
    expect(a.open).toBe(0);
    b.loop.next(transition('succeeded', 1300));
    await advanceTo(scheduler, 1310);
    for (const n of [a, b]) {
      expect(n.seen.map((t) => t.to)).toEqual(['pending', 'started', 'retrying', 'succeeded']);
      expect(chainProblems(n.seen)).toEqual([]);
      expect(n.completed).toBe(true);
    }
  });

  it('polls locally while the store is down, then rejoins within leaseMs: one poller again, nothing lost or twice', async () => {
    const a = node('a', true);
    await advanceTo(scheduler, 0);
    const b = node('b', true);
    await advanceTo(scheduler, 5);
    a.loop.next(transition('pending', 10));
    await advanceTo(scheduler, 20);
    expect([a.relay.state, b.relay.state]).toEqual(['poller', 'follower']);

    // Redis goes away: `a` fails its next renewal (at 333), `b` its next lease attempt (at 1000).
    task.down = true;
    await advanceTo(scheduler, 1100);
    expect(a.roles).toEqual(['poller@0', 'fallback@333']);
    expect([a.relay.state, b.relay.state]).toEqual(['local', 'local']);
    // Both poll alone now, and each emits what its own loop sees, once.
    expect([a.open, b.open]).toEqual([1, 1]);
    a.loop.next(transition('started', 1200));
    b.loop.next(transition('started', 1210));
    await advanceTo(scheduler, 1300);

    // Redis answers again at 2000 (empty, as after a restart): the next rejoin attempts (every
    // `rejoinEveryMs` + jitter, and at once on the connection's ready) find it.
    task.entries = [];
    task.holder = undefined;
    await advanceTo(scheduler, 2000);
    task.down = false;
    await advanceTo(scheduler, 2000 + rejoinEveryMs(LEASE_MS));
    const states = [a.relay.state, b.relay.state].sort();
    expect(states).toEqual(['follower', 'poller']);
    const [poller, follower] = a.relay.state === 'poller' ? [a, b] : [b, a];
    expect([poller.open, follower.open]).toEqual([1, 0]);
    // Two leases later, still one poller (its renewals hold the lease).
    await advanceTo(scheduler, 2000 + rejoinEveryMs(LEASE_MS) + 2 * LEASE_MS);
    expect([poller.relay.state, follower.relay.state]).toEqual(['poller', 'follower']);
    // The poller republished its latest state; nobody emitted it twice.
    expect(task.latestPhase()).toBe('started');

    poller.loop.next(transition('retrying', 4500));
    await advanceTo(scheduler, 4510);
    poller.loop.next(transition('failed', 4600));
    await advanceTo(scheduler, 4610);
    for (const n of [a, b]) {
      expect(n.seen.map((t) => t.to)).toEqual(['pending', 'started', 'retrying', 'failed']);
      expect(chainProblems(n.seen)).toEqual([]);
    }
  });

  it('keeps trying to rejoin while the store stays down, and never reports the fallback twice', async () => {
    task.down = true;
    const a = node('a');
    await advanceTo(scheduler, 0);
    expect(a.relay.state).toBe('local');
    await advanceTo(scheduler, 5000);
    expect(a.relay.state).toBe('local');
    expect(a.roles).toEqual(['fallback@0']);
    task.down = false;
    await advanceTo(scheduler, 5000 + rejoinEveryMs(LEASE_MS) + 1);
    expect(a.relay.state).toBe('poller');
    expect(a.roles).toEqual(['fallback@0', expect.stringMatching(/^poller@5\d\d\d$/)]);
    expect(a.open).toBe(1);
  });
});
