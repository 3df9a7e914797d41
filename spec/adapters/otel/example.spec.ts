/**
 * The runnable example of the README's "Observability" section (examples/otel): it follows a task
 * against the simulator and the SDK's console exporters print its spans and metrics.
 */
import { runConsoleSpansExample } from '../../../examples/otel/console-spans.js';

describe('examples/otel', () => {
  it('prints the task span, its GET spans (a 503 among them) and the metrics to the console', async () => {
    const printed: unknown[] = [];
    const dir = jest.spyOn(console, 'dir').mockImplementation((value) => void printed.push(value));
    try {
      const last = await runConsoleSpansExample();
      expect(last.to).toBe('succeeded');
      const spans = printed.filter((p): p is { name: string; attributes: Record<string, unknown>; events: { name: string }[] } => typeof (p as { name?: unknown }).name === 'string');
      const task = spans.find((s) => s.name === 'factpulse.task');
      expect(task?.attributes['factpulse.task.outcome']).toBe('succeeded');
      expect(task?.events.map((e) => e.name)).toContain('factpulse.task.retry');
      const requests = spans.filter((s) => s.name === 'GET');
      expect(requests.map((r) => r.attributes['http.response.status_code'])).toContain(503);
      expect(requests).toHaveLength(last.polls);
      const metrics = printed.filter((p) => typeof (p as { descriptor?: unknown }).descriptor === 'object');
      expect(metrics.map((m) => (m as { descriptor: { name: string } }).descriptor.name)).toEqual(
        expect.arrayContaining(['http.client.request.duration', 'factpulse.client.retries', 'factpulse.task.duration']),
      );
    } finally {
      dir.mockRestore();
    }
  });
});
