import { ChangeDetectionStrategy, Component, computed, effect, input, signal } from '@angular/core';
import type { TaskPhase } from 'factpulse-rx';
import { taskStatus } from 'factpulse-rx/angular';

const LABELS: Record<TaskPhase, string> = {
  pending: 'Queued at FactPulse…',
  started: 'Generating the invoice…',
  retrying: 'FactPulse hit a temporary problem and is trying again…',
  succeeded: 'Your Factur-X invoice is ready.',
  rejected: 'FactPulse refused the invoice.',
  failed: 'The task failed on FactPulse’s side.',
};

/**
 * Shows the progress of one FactPulse task and, when it succeeds, offers its PDF for download.
 *
 * `<app-task-progress [taskId]="id" />`: polling starts when the component is created, follows a
 * new id when the input changes, and stops when the component is destroyed. While the task
 * reports Celery progress (`PROGRESS` with `meta: { current, total }`), the bar is determinate.
 */
@Component({
  selector: 'app-task-progress',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="task" [attr.aria-busy]="busy()">
      <h2>Task <code>{{ taskId() }}</code></h2>

      @if (errorMessage(); as message) {
        <p class="error" role="alert">Could not follow the task: {{ message }}</p>
      } @else {
        <p class="label" role="status">{{ label() }}</p>
        @if (busy()) {
          @if (progress(); as p) {
            <div class="bar">
              <progress [value]="p.current" [max]="p.total">{{ p.current }} / {{ p.total }}</progress>
              <span class="count">{{ p.current }} / {{ p.total }} · {{ percent() }} %</span>
            </div>
          } @else {
            <div class="bar"><progress aria-label="working"></progress></div>
          }
        }
        @if (pdfUrl(); as url) {
          <p class="download"><a [href]="url" download="invoice.pdf">Download the PDF</a></p>
        }
        @if (rejection(); as r) {
          <p class="error">{{ r.errorCode }}: {{ r.errorMessage }}</p>
          <ul>
            @for (d of r.details; track $index) {
              <li>{{ d.item }}: {{ d.reason }}</li>
            }
          </ul>
        }
        @if (failure(); as message) {
          <p class="error">{{ message }}</p>
        }
      }
      <footer class="requests">{{ status()?.polls ?? 0 }} status requests</footer>
    </section>
  `,
  styles: `
    :host { display: block; margin-top: 1.5rem; }
    .task { border: 1px solid #d1d9e0; border-radius: 8px; padding: 1rem 1.25rem; background: #f6f8fa; }
    h2 { font-size: 1rem; font-weight: 600; margin: 0 0 0.75rem; }
    h2 code { font-size: 0.85rem; word-break: break-all; }
    .label { margin: 0 0 0.5rem; font-size: 1.05rem; }
    .bar { display: flex; align-items: center; gap: 0.75rem; margin: 0.5rem 0; }
    progress { flex: 1; height: 0.9rem; accent-color: #0969da; }
    .count { font-variant-numeric: tabular-nums; color: #59636e; white-space: nowrap; }
    .download { margin: 0.75rem 0; }
    .download a { display: inline-block; padding: 0.45rem 0.9rem; border-radius: 6px; background: #1f883d; color: #fff; font-weight: 600; text-decoration: none; }
    .download a:hover, .download a:focus { background: #1a7f37; }
    .error { color: #d1242f; }
    .requests { display: block; margin-top: 0.75rem; padding-top: 0.5rem; border-top: 1px solid #d1d9e0; font-size: 0.85rem; color: #59636e; }
  `,
})
export class TaskProgress {
  /** The FactPulse task id (a UUID). */
  readonly taskId = input.required<string>();

  /** The latest transition of the task; `undefined` until FactPulse first answers. */
  protected readonly status = taskStatus(this.taskId);

  protected readonly busy = computed(() => {
    const phase = this.status()?.to;
    return this.status.error() === undefined && (phase === undefined || phase === 'pending' || phase === 'started' || phase === 'retrying');
  });
  protected readonly label = computed(() => {
    const phase = this.status()?.to;
    return phase === undefined ? 'Asking FactPulse…' : LABELS[phase];
  });
  /** `{ current, total, ratio }` while the task reports Celery progress. */
  protected readonly progress = computed(() => {
    const state = this.status()?.state;
    return state?.phase === 'started' || state?.phase === 'retrying' ? state.progress : undefined;
  });
  protected readonly percent = computed(() => Math.round((this.progress()?.ratio ?? 0) * 100));
  protected readonly rejection = computed(() => {
    const state = this.status()?.state;
    return state?.phase === 'rejected' ? state.error : undefined;
  });
  protected readonly failure = computed(() => {
    const state = this.status()?.state;
    return state?.phase === 'failed' ? state.error.message : undefined;
  });
  protected readonly errorMessage = computed(() => {
    const error = this.status.error();
    if (error === undefined) return undefined;
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  });

  /** An object URL of the PDF while the component shows it (revoked on change and on destroy). */
  protected readonly pdfUrl = signal<string | undefined>(undefined);

  constructor() {
    effect((onCleanup) => {
      const state = this.status()?.state;
      if (state?.phase !== 'succeeded' || state.content === undefined) return;
      const url = URL.createObjectURL(new Blob([state.content.slice()], { type: 'application/pdf' }));
      this.pdfUrl.set(url);
      onCleanup(() => {
        this.pdfUrl.set(undefined);
        URL.revokeObjectURL(url);
      });
    });
  }
}
