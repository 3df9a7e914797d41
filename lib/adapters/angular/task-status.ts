import { Injector, assertInInjectionContext, inject } from '@angular/core';
import { TaskStatusService } from './task-status-service.js';
import type { TaskIdInput, TaskStatusSignal, TaskStatusSignalOptions } from './task-status-signal.js';

/**
 * A signal of the latest transition of a task, for components: `TaskStatusService.statusSignal`
 * from the current injection context. Polling starts now (on the server it never does) and stops
 * when the component (or other injection context) is destroyed; several components following one
 * task share one poll loop. `taskId` may be a signal (an `input()`): a new id follows the new task.
 *
 * Call it in an injection context (a field initialiser, a constructor), or pass `{ injector }`.
 *
 * @example
 * ```ts
 * @Component({
 *   selector: 'app-task',
 *   template: `{{ status()?.to ?? 'waiting' }}`,
 * })
 * export class TaskComponent {
 *   readonly taskId = input.required<string>()
 *   readonly status = taskStatus(this.taskId)
 * }
 * ```
 */
export function taskStatus(taskId: TaskIdInput, options?: TaskStatusSignalOptions): TaskStatusSignal {
  let injector = options?.injector;
  if (injector === undefined) {
    assertInInjectionContext(taskStatus);
    injector = inject(Injector);
  }
  return injector.get(TaskStatusService).statusSignal(taskId, { injector });
}
