// The browser side of the example: submits invoices, follows them over the websocket protocol of
// factpulse-rx/ws, and shows each transition as it arrives. Plain JavaScript, no build step.
/* global WebSocket, location */
'use strict';

const tasksEl = document.getElementById('tasks');
const template = document.getElementById('task-template');
const connectionEl = document.getElementById('connection');
const formError = document.getElementById('form-error');
/** taskId → { el, terminal } */
const tasks = new Map();
let socket;
let retryMs = 500;

function setConnection(state, text) {
  connectionEl.dataset.state = state;
  connectionEl.textContent = text;
}

function send(frame) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
}

function connect() {
  socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  socket.addEventListener('open', () => {
    retryMs = 500;
    setConnection('open', 'live');
    // After a reconnect, follow again every task that has not ended (the server replays the latest state).
    for (const [taskId, task] of tasks) if (!task.terminal) send({ type: 'subscribe', taskId });
  });
  socket.addEventListener('message', (message) => {
    let frame;
    try {
      frame = JSON.parse(message.data);
    } catch {
      return;
    }
    if (frame.type === 'transition') showTransition(frame);
    else if (frame.type === 'error') showError(frame);
  });
  socket.addEventListener('close', () => {
    setConnection('closed', `disconnected, retrying in ${Math.round(retryMs / 100) / 10} s`);
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  });
}

function taskCard(taskId) {
  let task = tasks.get(taskId);
  if (task) return task;
  const el = template.content.firstElementChild.cloneNode(true);
  el.dataset.taskId = taskId;
  el.dataset.phase = 'submitted';
  el.querySelector('.task-id').textContent = taskId;
  el.querySelector('.phase').textContent = 'submitted';
  tasksEl.prepend(el);
  task = { el, terminal: false };
  tasks.set(taskId, task);
  return task;
}

function line(parent, text) {
  const li = document.createElement('li');
  li.textContent = text;
  parent.append(li);
}

/** { current, total } from the state's `progress`, or Celery's conventional meta numbers. */
function progressOf(state) {
  const source = state.progress || state.meta;
  if (!source || typeof source.current !== 'number' || typeof source.total !== 'number' || !(source.total > 0)) return undefined;
  return { current: source.current, total: source.total };
}

/**
 * The card's bar: indeterminate while waiting or running without numbers, determinate when the
 * task reports `current` / `total`, full at a success, hidden at any other end.
 */
function showProgress(el, frame) {
  const bar = el.querySelector('.progress');
  const text = el.querySelector('.progress-text');
  const progress = progressOf(frame.state);
  if (progress) {
    bar.max = progress.total;
    bar.value = Math.min(progress.current, progress.total);
    text.textContent = `${progress.current}/${progress.total}${frame.state.meta && frame.state.meta.stage ? ` · ${frame.state.meta.stage}` : ''}`;
  } else if (frame.to === 'succeeded') {
    bar.max = 1;
    bar.value = 1;
    text.textContent = '';
  } else if (frame.to === 'rejected' || frame.to === 'failed') {
    el.querySelector('.progress-row').hidden = true;
  } else if (!bar.hasAttribute('value')) {
    text.textContent = frame.to === 'pending' ? 'waiting for a worker' : '';
  }
}

function showTransition(frame) {
  const task = taskCard(frame.taskId);
  const { el } = task;
  el.dataset.phase = frame.to;
  el.querySelector('.phase').textContent = frame.to;
  showProgress(el, frame);
  const time = new Date(frame.at).toLocaleTimeString();
  const progress = progressOf(frame.state);
  const edge = frame.from === frame.to && progress ? `${frame.to} ${progress.current}/${progress.total}` : `${frame.from ?? '·'} → ${frame.to}`;
  line(el.querySelector('.transitions'), `${time}  ${edge}  (poll ${frame.polls})`);
  const outcome = el.querySelector('.outcome');
  const { state } = frame;
  if (state.phase === 'succeeded') {
    outcome.textContent = state.contentBytes === undefined ? 'Done.' : `Factur-X PDF ready: ${state.contentBytes.toLocaleString()} bytes.`;
    if (state.contentBytes !== undefined) {
      // The server hands the bytes to this browser's session only (same cookie as the socket).
      const link = el.querySelector('.download');
      link.href = `/api/tasks/${encodeURIComponent(frame.taskId)}/document`;
      link.download = (state.result && typeof state.result.filename === 'string' && state.result.filename) || `${frame.taskId}.pdf`;
      link.hidden = false;
    }
  } else if (state.phase === 'rejected') {
    outcome.textContent = `Rejected: ${state.error.errorCode} — ${state.error.errorMessage}`;
    const list = document.createElement('ul');
    for (const d of state.error.details) line(list, `${d.item}: ${d.reason}${d.level ? ` (${d.level})` : ''}`);
    outcome.append(list);
  } else if (state.phase === 'failed') {
    outcome.textContent = `Failed: ${state.error.message}`;
  }
  if (frame.to === 'succeeded' || frame.to === 'rejected' || frame.to === 'failed') task.terminal = true;
}

function showError(frame) {
  if (frame.taskId === null) {
    formError.textContent = `${frame.error.name}: ${frame.error.message}`;
    return;
  }
  const task = taskCard(frame.taskId);
  task.el.querySelector('.outcome').textContent = `${frame.error.name}: ${frame.error.message}`;
}

document.getElementById('invoice-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  formError.textContent = '';
  const outcome = document.getElementById('outcome').value;
  const durationMs = Number(document.getElementById('duration').value);
  try {
    const res = await fetch('/api/invoices', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome, durationMs }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
    taskCard(body.taskId);
    send({ type: 'subscribe', taskId: body.taskId });
  } catch (error) {
    formError.textContent = `Could not submit: ${error.message}`;
  }
});

connect();
