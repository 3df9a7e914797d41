import { firstValueFrom } from 'rxjs';
import type { TaskClientEvent } from '../../lib/client/task-client-event.js';
import { destroyKeepAliveAgents } from '../../lib/http/keep-alive.js';
import type { TaskStatusOptions } from '../../lib/options.js';
import { createTaskClient } from '../../lib/task-client.js';
import { taskStatus$ } from '../../lib/task-status.js';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { FAULT_ROWS, type FollowOutcome, type RowContext } from './fault-table.js';
import { TASK, TOKEN, exposedText, fastOptions, runStream } from './run-stream.js';

// One test per row of the behaviour table (see fault-table.ts), through `taskStatus$` and the
// default transport, against real loopback servers.

describe('behaviour table: what each fault does to a taskStatus$ stream', () => {
  let server: FaultServer;
  let other: FaultServer;

  beforeAll(async () => {
    [server, other] = await Promise.all([startFaultServer(), startFaultServer()]);
  });
  afterEach(() => {
    try {
      server.verify();
      other.verify();
    } finally {
      server.reset();
      other.reset();
    }
  });
  afterAll(async () => {
    await Promise.all([server.close(), other.close()]);
    destroyKeepAliveAgents();
  });

  const clientFollow = async (extra: TaskStatusOptions = {}, taskId = TASK): Promise<FollowOutcome> => {
    const client = createTaskClient({ ...fastOptions(server.url, extra), retryBudget: false, pauseWhenHidden: false });
    const events: TaskClientEvent[] = [];
    const sub = client.events$.subscribe((e) => events.push(e));
    try {
      const outcome = await runStream(client.status$(taskId));
      return { ...outcome, events };
    } finally {
      sub.unsubscribe();
      client.dispose();
    }
  };

  const ctx = (): RowContext => ({
    server,
    other,
    follow: async (extra = {}, taskId = TASK) => ({ ...(await runStream(taskStatus$(taskId, fastOptions(server.url, extra)))), events: [] }),
    followWithEvents: clientFollow,
    result: async (extra = {}) => {
      const client = createTaskClient({ ...fastOptions(server.url, extra), retryBudget: false, pauseWhenHidden: false });
      try {
        return { value: await firstValueFrom(client.result$(TASK)) };
      } catch (error) {
        return { error };
      } finally {
        client.dispose();
      }
    },
  });

  it.each(FAULT_ROWS.map((row) => [`${row.fault} — retried: ${row.retried} — ends: ${row.ends}`, row] as const))('%s', async (_name, row) => {
    const seen: unknown[] = [];
    const context = ctx();
    const wrap = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      const r = await f(...a);
      seen.push(r);
      return r;
    };
    await row.run({ ...context, follow: wrap(context.follow), followWithEvents: wrap(context.followWithEvents), result: wrap(context.result) });
    // Whatever happened, the token is in no error and no transition.
    for (const outcome of seen) expect(exposedText(outcome)).not.toContain(TOKEN);
  });
});
