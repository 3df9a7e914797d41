import { hintTaskId } from '../../lib/client/hint-task-id.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('hintTaskId', () => {
  it.each([
    [ID, ID],
    [{ event_type: 'generation.completed', data: { task_id: ID } }, ID],
    [{ event_type: 'generation.completed', data: { taskId: ID } }, ID],
    [{ taskId: ID }, ID],
    [{ task_id: ID }, ID],
    ['', undefined],
    [42, undefined],
    [null, undefined],
    [{ data: { taskId: 42 } }, undefined],
    [{ data: null }, undefined],
    [{ event_type: 'ping' }, undefined],
  ])('reads %j as %s', (hint, expected) => {
    expect(hintTaskId(hint)).toBe(expected);
  });
});
