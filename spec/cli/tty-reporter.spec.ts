import { createPaint } from '../../lib/cli/paint.js';
import { createTtyReporter, progressBar, summaryText } from '../../lib/cli/tty-reporter.js';
import { NetworkError } from '../../lib/errors/network-error.js';
import { captureStream } from '../helpers/capture-io.js';
import { failed, ID_A, ID_B, ID_C, pending, rejected, started, succeeded, summaryOf } from './reporters.fixtures.js';

const ESC = String.fromCharCode(27);

/** Plays the escape codes the reporter uses (cursor up N lines, clear line) onto a screen of lines. */
function screen(text: string): string[] {
  const rows: string[] = [];
  let row = 0;
  for (const token of text.split(new RegExp(`(${ESC}\\[[0-9;?]*[A-Za-z]|\\n)`))) {
    if (token === '') continue;
    const up = new RegExp(`^${ESC}\\[(\\d+)F$`).exec(token);
    if (up !== null) row -= Number(up[1]);
    else if (token === '\x1b[2K') rows[row] = '';
    else if (token.startsWith('\x1b[')) continue;
    else if (token === '\n') row++;
    else rows[row] = (rows[row] ?? '') + token;
  }
  return rows;
}

describe('createTtyReporter', () => {
  let clock: number;
  const make = (columns = 120, colour = false) => {
    clock = 0;
    const out = captureStream({ isTTY: true, columns });
    const reporter = createTtyReporter(out, { paint: createPaint(colour), now: () => clock, frameMs: 60_000 });
    return { out, reporter };
  };

  it('draws one line per task and redraws them in place', () => {
    const { out, reporter } = make();
    reporter.start([ID_A, ID_B]);
    clock = 1200;
    reporter.transition(pending);
    reporter.transition(started);
    const lines = screen(out.text());
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^. ${ID_A}  started\\s+1\\.2s  2 polls`));
    expect(lines[1]).toMatch(new RegExp(`^. ${ID_B}  waiting\\s+1\\.2s  0 polls`));
    expect(out.text()).toContain('\x1b[2F'); // moved up over the two lines to redraw them
    reporter.finish(summaryOf({ tasks: [] }));
  });

  it('shows the outcome, size and file, rejection code, failure type, and errors', () => {
    const { out, reporter } = make();
    reporter.start([ID_A, ID_B, ID_C, '9b2d1c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f']);
    reporter.transition(succeeded, '/tmp/out/a.pdf');
    reporter.transition(rejected);
    reporter.transition(failed);
    reporter.error('9b2d1c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f', new NetworkError('connect ECONNREFUSED 127.0.0.1:9'), 1);
    reporter.finish(summaryOf());
    const lines = screen(out.text());
    expect(lines[0]).toMatch(/^✔ .*succeeded .*812 B → a\.pdf$/);
    expect(lines[1]).toMatch(/^✖ .*rejected .*VALIDATION_FAILED: The invoice does not comply$/);
    expect(lines[2]).toMatch(/^✖ .*failed .*RuntimeError: Ghostscript exited with code 1$/);
    expect(lines[3]).toMatch(/^! .*error .*NetworkError: connect ECONNREFUSED/);
  });

  it('keeps every live line within the terminal width, shortening the id when narrow', () => {
    const { out, reporter } = make(60);
    reporter.start([ID_B]);
    reporter.transition(rejected);
    reporter.finish(summaryOf({ tasks: [] }));
    const [line] = screen(out.text());
    expect(Array.from(line ?? '').length).toBeLessThanOrEqual(59);
    expect(line).toContain('7c9e6679…');
    expect(line?.endsWith('…')).toBe(true);
  });

  it('hides the cursor while drawing and shows it again at the end; no colour when disabled', () => {
    const { out, reporter } = make();
    reporter.start([ID_A]);
    reporter.finish(summaryOf({ tasks: [] }));
    expect(out.text().startsWith('\x1b[?25l')).toBe(true);
    expect(out.text()).toContain('\x1b[?25h');
    expect(out.text()).not.toMatch(new RegExp(`${ESC}\\[\\d+m`));
  });

  it('uses colour when enabled', () => {
    const { out, reporter } = make(120, true);
    reporter.start([ID_A]);
    reporter.transition(succeeded);
    reporter.finish(summaryOf({ tasks: [] }));
    expect(out.text()).toContain('\x1b[32m✔\x1b[39m');
  });

  it('marks unfinished tasks as interrupted', () => {
    const { out, reporter } = make();
    reporter.start([ID_A]);
    reporter.transition(started);
    reporter.finish(summaryOf({ interrupted: true, exitCode: 130, tasks: [{ taskId: ID_A, outcome: 'interrupted', polls: 2, elapsedMs: 500 }] }));
    expect(screen(out.text())[0]).toMatch(/^■ .*interrupted/);
    expect(out.text()).toContain('1 interrupted');
  });
});

describe('summaryText', () => {
  it('counts outcomes and polls, lists saved files, AFNOR details and failures', () => {
    const lines = summaryText(summaryOf(), createPaint(false));
    expect(lines[0]).toBe('3 tasks in 3.2s: 1 succeeded, 1 rejected, 1 failed (12 polls)');
    expect(lines).toEqual(
      expect.arrayContaining([
        '  saved    /tmp/out/a.pdf',
        `  rejected ${ID_B}: VALIDATION_FAILED — The invoice does not comply`,
        '    Error   BT-10: Buyer reference is required [schematron BR-FR-CO-04]',
        '    Warning BT-22: Note too long [afnor]',
        `  failed   ${ID_C}: RuntimeError: Ghostscript exited with code 1`,
      ]),
    );
  });
});

describe('createTtyReporter activity', () => {
  it('counts polls live and shows a retry until the next good response', () => {
    const out = captureStream({ isTTY: true, columns: 140 });
    const reporter = createTtyReporter(out, { paint: createPaint(false), now: () => 0, frameMs: 60_000 });
    reporter.start([ID_A]);
    reporter.activity?.({ type: 'request-start', taskId: ID_A, polls: 1 });
    reporter.activity?.({ type: 'retry', taskId: ID_A, attempt: 1, delay: 1000, error: 'HttpError', status: 429 });
    reporter.activity?.({ type: 'request-start', taskId: ID_A, polls: 2 });
    reporter.transition(pending); // redraw
    expect(screen(out.text())[0]).toMatch(/pending\s+0\.0s {2}2 polls\s*$/);
    reporter.activity?.({ type: 'retry', taskId: ID_A, attempt: 1, delay: 1000, error: 'HttpError', status: 429 });
    reporter.activity?.({ type: 'request-start', taskId: ID_A, polls: 3 });
    reporter.error(ID_B, new NetworkError('x'), 0); // an id not shown: ignored, no redraw of A
    reporter.transition({ ...pending, polls: 3 });
    reporter.activity?.({ type: 'retry', taskId: ID_A, attempt: 1, delay: 1000, error: 'HttpError', status: 429 });
    reporter.transition({ ...started, polls: 4 });
    expect(screen(out.text())[0]).toMatch(/started\s+0\.0s {2}4 polls\s*$/);
    reporter.activity?.({ type: 'retry', taskId: ID_A, attempt: 2, delay: 1000, error: 'NetworkError' });
    reporter.finish(summaryOf({ tasks: [] }));
    expect(screen(out.text())[0]).toMatch(/retry 2 after NetworkError, next try in 1\.0s$/);
  });
});

describe('createTtyReporter retry note', () => {
  it('clears the retry note on the next good response', () => {
    const out = captureStream({ isTTY: true, columns: 140 });
    const reporter = createTtyReporter(out, { paint: createPaint(false), now: () => 0, frameMs: 60_000 });
    reporter.start([ID_A]);
    reporter.activity?.({ type: 'retry', taskId: ID_A, attempt: 1, delay: 200, error: 'HttpError', status: 503 });
    reporter.activity?.({ type: 'request-end', taskId: ID_A, status: 503 });
    reporter.finish(summaryOf({ tasks: [{ taskId: ID_A, outcome: 'interrupted', polls: 1, elapsedMs: 0 }] }));
    expect(screen(out.text())[0]).toMatch(/interrupted .*retry 1 after HTTP 503, next try in 200 ms$/);

    const out2 = captureStream({ isTTY: true, columns: 140 });
    const reporter2 = createTtyReporter(out2, { paint: createPaint(false), now: () => 0, frameMs: 60_000 });
    reporter2.start([ID_A]);
    reporter2.activity?.({ type: 'retry', taskId: ID_A, attempt: 1, delay: 200, error: 'HttpError', status: 503 });
    reporter2.activity?.({ type: 'request-end', taskId: ID_A, status: 200 });
    reporter2.finish(summaryOf({ tasks: [{ taskId: ID_A, outcome: 'interrupted', polls: 1, elapsedMs: 0 }] }));
    expect(screen(out2.text())[0]).toMatch(/interrupted\s+0\.0s {2}1 poll\s*$/);
  });
});

describe('createTtyReporter progress', () => {
  const progress = (current: number, total: number) =>
    ({ taskId: ID_A, from: 'started', to: 'started', state: { phase: 'started', status: 'PROGRESS', meta: { current, total } }, at: 2000, polls: 3 }) as const;

  it('shows a bar and current/total on the live line, and keeps them after a retry is over', () => {
    const out = captureStream({ isTTY: true, columns: 140 });
    const reporter = createTtyReporter(out, { paint: createPaint(false), now: () => 0, frameMs: 60_000 });
    reporter.start([ID_A]);
    reporter.transition(progress(3, 10));
    expect(screen(out.text())[0]).toMatch(/started\s+0\.0s {2}3 polls\s+███······· 3\/10$/);
    reporter.activity?.({ type: 'retry', taskId: ID_A, attempt: 1, delay: 200, error: 'HttpError', status: 503 });
    reporter.activity?.({ type: 'request-end', taskId: ID_A, status: 200 });
    reporter.transition(progress(10, 10));
    expect(screen(out.text())[0]).toMatch(/██████████ 10\/10$/);
    reporter.transition({ ...progress(4, 8), state: { phase: 'started', status: 'RENDERING', meta: { current: 4, total: 8 } } });
    expect(screen(out.text())[0]).toMatch(/█████····· 4\/8 RENDERING$/);
    reporter.finish(summaryOf({ tasks: [] }));
  });

  it('draws half cells: 0, 0.05, 0.5 and 1', () => {
    expect([0, 0.05, 0.5, 1].map((r) => progressBar(r))).toEqual(['··········', '▌·········', '█████·····', '██████████']);
  });
});
