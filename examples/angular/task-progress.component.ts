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

/** `{ current, total }` as a Celery `PROGRESS` state reports it. */
interface Progress {
  readonly current: number;
  readonly total: number;
}

function isProgress(meta: unknown): meta is Progress {
  const m = meta as Partial<Progress> | null | undefined;
  return typeof m?.current === 'number' && typeof m.total === 'number' && m.total > 0;
}

/**
 * Shows the progress of one FactPulse task and, when it succeeds, offers its PDF for download.
 *
 * `<app-task-progress [taskId]="id" />`: polling starts when the component is created, follows a
 * new id when the input changes, and stops when the component is destroyed.
 */
@Component({
  selector: 'app-task-progress',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="task" [attr.aria-busy]="busy()">
      <h2>Task <code>{{ taskId() }}</code></h2>

      @if (errorMessage(); as message) {
        <p role="alert">Could not follow the task: {{ message }}</p>
      } @else {
        <p role="status">{{ label() }}</p>
        @if (busy()) {
          @if (progress(); as p) {
            <progress [value]="p.current" [max]="p.total">{{ p.current }} / {{ p.total }}</progress>
          } @else {
            <progress></progress>
          }
        }
        @if (pdfUrl(); as url) {
          <a [href]="url" download="invoice.pdf">Download the PDF</a>
        }
        @if (rejection(); as r) {
          <p>{{ r.errorCode }}: {{ r.errorMessage }}</p>
          <ul>
            @for (d of r.details; track $index) {
              <li>{{ d.item }}: {{ d.reason }}</li>
            }
          </ul>
        }
        @if (failure(); as message) {
          <p>{{ message }}</p>
        }
      }
      <small>{{ status()?.polls ?? 0 }} status requests</small>
    </section>
  `,
})
export class TaskProgressComponent {
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
  protected readonly progress = computed(() => {
    const state = this.status()?.state;
    return state?.phase === 'started' && isProgress(state.meta) ? state.meta : undefined;
  });
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
