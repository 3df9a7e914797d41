import { EMPTY, distinctUntilChanged, switchMap, type Observable, type OperatorFunction } from 'rxjs';
import type { TaskTransition } from '../transitions.js';

/**
 * What {@link followTasks} needs of a client: its shared `status$`.
 *
 * @example
 * ```ts
 * const source: TaskStatusSource = createTaskClient({ token })
 * ```
 */
export interface TaskStatusSource {
  status$(taskId: string): Observable<TaskTransition>;
}

const sameId = (a: string | null | undefined, b: string | null | undefined): boolean =>
  a === b || (typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase());

/**
 * An operator that follows whichever task id its source named last — a route parameter, a form
 * field — through `client.status$`: a new id drops the previous task's subscription (so its loop
 * stops if nobody else follows it); the same id again changes nothing; `null` / `undefined`
 * follows nothing until the next id. An id that is not a UUID errors the stream with a `TypeError`.
 *
 * @example
 * ```ts
 * route.paramMap.pipe(map((p) => p.get('taskId')), followTasks(client)).subscribe(render)
 * ```
 */
export function followTasks(client: TaskStatusSource): OperatorFunction<string | null | undefined, TaskTransition> {
  return (taskId$) =>
    taskId$.pipe(
      distinctUntilChanged(sameId),
      switchMap((taskId) => (taskId === null || taskId === undefined ? EMPTY : client.status$(taskId))),
    );
}
