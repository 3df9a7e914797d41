import { ChangeDetectionStrategy, Component, computed, signal } from '@angular/core';
import { isTaskId } from 'factpulse-rx';
import { TaskProgress } from './task-progress';

/** Asks for a task id (or reads `?task=` from the address) and shows its progress. */
@Component({
  selector: 'app-root',
  imports: [TaskProgress],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <main>
      <h1>FactPulse task</h1>
      <label>
        <span>Task id</span>
        <input [value]="taskId()" (input)="onInput($event)" placeholder="3f2b8c1e-9a4d-4e6b-8f0a-1c2d3e4f5a6b" spellcheck="false" />
      </label>
      @if (valid()) {
        <app-task-progress [taskId]="taskId()" />
      } @else {
        <p class="hint">Paste the id of a task (a UUID), e.g. one printed by <code>npx factpulse-rx simulate</code>.</p>
      }
    </main>
  `,
  styles: `
    :host { display: block; font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2328; }
    main { max-width: 40rem; margin: 3rem auto; padding: 0 1rem; }
    h1 { font-size: 1.6rem; margin: 0 0 1.25rem; }
    label { display: grid; gap: 0.25rem; font-weight: 600; }
    input { font: 0.95rem ui-monospace, SFMono-Regular, Menlo, monospace; padding: 0.5rem 0.6rem; border: 1px solid #8c959f; border-radius: 6px; }
    input:focus { outline: 2px solid #0969da; outline-offset: 1px; }
    .hint { color: #59636e; }
  `,
})
export class App {
  protected readonly taskId = signal(new URLSearchParams(location.search).get('task') ?? '');
  protected readonly valid = computed(() => isTaskId(this.taskId()));

  protected onInput(event: Event): void {
    this.taskId.set((event.target as HTMLInputElement).value.trim());
  }
}
