function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function asId(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Reads which task a client-level hint names: a string id, or an object with `data.taskId` /
 * `data.task_id` (a FactPulse webhook `{ event_type, data }`), or `taskId` / `task_id` at top level.
 * Anything else names no task and is ignored.
 *
 * @example
 * ```ts
 * hintTaskId({ event_type: 'generation.completed', data: { task_id: id } }) // id
 * hintTaskId(42) // undefined
 * ```
 */
export function hintTaskId(hint: unknown): string | undefined {
  if (typeof hint === 'string') return asId(hint);
  const data = field(hint, 'data');
  return asId(field(data, 'taskId')) ?? asId(field(data, 'task_id')) ?? asId(field(hint, 'taskId')) ?? asId(field(hint, 'task_id'));
}
