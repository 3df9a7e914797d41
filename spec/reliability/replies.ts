/**
 * Scripted replies shared by the leak tests and the heap probe.
 */
import { reply, type Reply } from '../helpers/fault-server.js';
import { SUCCESS_RESULT } from './run-stream.js';

/**
 * A reply for a task's n-th request (counted per task id in `counts`): `SUCCESS` at the
 * `polls`-th, STARTED / RETRY alternating before it (each a change of phase), and the faults of `faults` (`503` or a
 * connection reset) at the request numbers they name.
 */
export function pollingReply(polls: number, counts: Map<string, number>, faults: Readonly<Record<number, '503' | 'reset'>> = {}): Reply {
  return reply.custom('poll', (req, res, { request }) => {
    const id = request.taskId ?? '';
    const n = (counts.get(id) ?? 0) + 1;
    counts.set(id, n);
    const fault = faults[n];
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    const body =
      fault === '503'
        ? { detail: 'busy' }
        : n >= polls
          ? { taskId: id, status: 'SUCCESS', result: SUCCESS_RESULT }
          : { taskId: id, status: n % 2 === 0 ? 'RETRY' : 'STARTED' };
    const text = JSON.stringify(body);
    res.writeHead(fault === '503' ? 503 : 200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  });
}
