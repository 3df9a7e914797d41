import { TestScheduler } from 'rxjs/testing';
import { createTaskClient } from '../../lib/task-client.js';
import type { TaskClientEvent } from '../../lib/client/task-client-event.js';
import { scripted, status, type Step } from '../helpers/marble-transport.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const reply = (s: string): Step => ({ marble: '(r|)', values: { r: status(ID, s, s === 'SUCCESS' ? { status: 'SUCCESS' } : undefined) } });

describe('TaskClient and a stale replica', () => {
  it('does not emit an answer that would move the task back, and reports it on events$', () => {
    const s = new TestScheduler((a, b) => expect(a).toEqual(b));
    s.run((h) => {
      const script = scripted(s, h, [reply('PENDING'), reply('STARTED'), reply('PENDING'), reply('SUCCESS')]);
      const client = createTaskClient({ scheduler: s, transport: script.transport, interval: 10, pauseWhenHidden: false });
      const events: TaskClientEvent[] = [];
      client.events$.subscribe((e) => events.push(e));
      const seen: string[] = [];
      client.status$(ID).subscribe((t) => seen.push(`${t.from ?? '∅'}→${t.to}`));
      h.flush();
      expect(seen).toEqual(['∅→pending', 'pending→started', 'started→succeeded']);
      expect(events.filter((e) => e.type === 'stale-response')).toEqual([
        { type: 'stale-response', taskId: ID, phase: 'started', received: 'pending', polls: 3, at: 20 },
      ]);
      client.dispose();
    });
  });
});
