// The requests of a run waiting for a human (approvals of a tool call, questions), from
// runs/get `pending_inputs` and the human.requested events, each with the controls that answer
// it through runs/respond. A request leaves the panel once answered (human.responded or here).
import { html, clip, formatAge } from './format.js';
import { useState } from 'preact/hooks';
import { call } from './api.js';
import { pendingRequests } from './run-model.js';

function Request({ request, model, settings, runId, onAnswered }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const agent = model.agents.get(request.agent_id);
  const respond = async (body) => {
    setBusy(true);
    setError(null);
    try {
      await call(settings, 'runs/respond', { id: runId, request_id: request.request_id, ...body });
      onAnswered(request.request_id);
    } catch (err) {
      setError(`${err.message}${err.code ? ` (${err.code})` : ''}`);
    } finally {
      setBusy(false);
    }
  };
  const question = request.kind === 'question';
  return html`<div class="pending-input" data-testid="pending-input" data-request=${request.request_id} data-kind=${request.kind}>
    <div><strong>${agent?.name ?? request.agent_id ?? 'an agent'}</strong>
      ${question ? html` asks: <span data-testid="pending-question">${request.question}</span>`
        : html` asks to run <code data-testid="pending-tool">${request.tool_name}(${clip(JSON.stringify(request.arguments ?? {}), 400)})</code>`}
      ${request.requested_at && html` <span class="muted">${formatAge(request.requested_at)}</span>`}
      <span class="muted"> · ${request.request_id}</span></div>
    <div class="actions">
      <input data-testid=${question ? 'pending-answer' : 'pending-message'} value=${text} disabled=${busy}
        placeholder=${question ? 'your answer' : 'message for the model (optional)'} onInput=${(e) => setText(e.currentTarget.value)}/>
      ${question
        ? html`<button data-testid="pending-answer-submit" disabled=${busy || !text.trim()} onClick=${() => respond({ answer: text.trim() })}>Answer</button>`
        : html`<button data-testid="pending-approve" disabled=${busy} onClick=${() => respond({ approve: true, ...(text.trim() && { message: text.trim() }) })}>Approve</button>
          <button class="danger" data-testid="pending-deny" disabled=${busy} onClick=${() => respond({ approve: false, ...(text.trim() && { message: text.trim() }) })}>Deny</button>`}
    </div>
    ${error && html`<p class="control-note error" data-testid="pending-error">${error}</p>`}
  </div>`;
}

export function PendingInputs({ run, model, settings, runId, onResponded }) {
  const [answered, setAnswered] = useState(() => new Set());
  const requests = pendingRequests(run, model, answered);
  if (requests.length === 0) return null;
  const onAnswered = (id) => {
    setAnswered(new Set([...answered, id]));
    onResponded?.();
  };
  return html`<section class="card pending-inputs" data-testid="pending-inputs">
    <header><strong>Waiting for you</strong><span class="muted">${requests.length} request${requests.length === 1 ? '' : 's'}</span></header>
    ${requests.map((r) => html`<${Request} key=${r.request_id} request=${r} model=${model} settings=${settings} runId=${runId} onAnswered=${onAnswered}/>`)}
  </section>`;
}
