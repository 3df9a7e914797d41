import { ChangeDetectionStrategy, Component, computed, signal } from '@angular/core';
import { isTaskId } from 'factpulse-rx';
import { TaskProgressComponent } from './task-progress.component';

/** Asks for a task id (or reads `?task=` from the address) and shows its progress. */
@Component({
  selector: 'app-root',
  imports: [TaskProgressComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>FactPulse task</h1>
    <label>
      Task id
      <input [value]="taskId()" (input)="onInput($event)" placeholder="3f2b8c1e-9a4d-4e6b-8f0a-1c2d3e4f5a6b" size="40" />
    </label>
    @if (valid()) {
      <app-task-progress [taskId]="taskId()" />
    } @else {
      <p>Paste the id of a task (a UUID), e.g. one printed by <code>npx factpulse-rx simulate</code>.</p>
    }
  `,
})
export class AppComponent {
  protected readonly taskId = signal(new URLSearchParams(location.search).get('task') ?? '');
  protected readonly valid = computed(() => isTaskId(this.taskId()));

  protected onInput(event: Event): void {
    this.taskId.set((event.target as HTMLInputElement).value.trim());
  }
}
