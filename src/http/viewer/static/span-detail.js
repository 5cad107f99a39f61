// One span of the trace opened: everything its events hold (runs/trace/span). A model call
// shows its whole input — the system prompt and every message, rebuilt by the server from the
// agent's call deltas — its output, reasoning and the tools it called; a tool call its
// arguments and result; a task what it was given and how it ended.
import { html, formatDuration, formatNumber } from './format.js';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';

const json = (value) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

/** One content part of a message in the language-model prompt format. */
function Part({ part }) {
  switch (part?.type) {
    case 'text': return html`<div class="part part-text">${part.text}</div>`;
    case 'reasoning': return html`<div class="part part-reasoning">${part.text}</div>`;
    case 'tool-call': return html`<div class="part part-tool-call"><strong>calls ${part.toolName}</strong> <code>${part.toolCallId}</code><pre>${json(part.input)}</pre></div>`;
    case 'tool-result': return html`<div class=${`part part-tool-result${part.output?.type === 'error-text' ? ' is-error' : ''}`}>
      <strong>${part.toolName} answered${part.output?.type === 'error-text' ? ' (error)' : ''}</strong> <code>${part.toolCallId}</code><pre>${json(part.output?.value)}</pre></div>`;
    default: return html`<pre class="part">${json(part)}</pre>`;
  }
}

function Message({ message, index }) {
  const parts = Array.isArray(message?.content) ? message.content : [{ type: 'text', text: String(message?.content ?? '') }];
  return html`<li class=${`message role-${message?.role}`} data-testid="detail-message" data-role=${message?.role}>
    <span class="message-role">#${index} ${message?.role}</span>
    ${parts.map((part) => html`<${Part} part=${part}/>`)}
  </li>`;
}

function ModelCall({ detail }) {
  return html`<div>
    <h4>System prompt</h4>
    ${detail.system ? html`<pre class="detail-text" data-testid="detail-system">${detail.system}</pre>` : html`<p class="muted">none recorded</p>`}
    <h4>Input: ${detail.messages?.length ?? 0} messages</h4>
    <ol class="messages" data-testid="detail-messages">${(detail.messages ?? []).map((m, i) => html`<${Message} message=${m} index=${i}/>`)}</ol>
    ${detail.reasoning && html`<h4>Reasoning</h4><pre class="detail-text part-reasoning" data-testid="detail-reasoning">${detail.reasoning}</pre>`}
    <h4>Output</h4>
    <pre class="detail-text" data-testid="detail-output">${detail.output_text || '(no text)'}</pre>
    ${detail.tool_calls?.length > 0 && html`<h4>Tool calls</h4>${detail.tool_calls.map((c) => html`<div class="part part-tool-call" data-testid="detail-tool-call">
      <strong>${c.tool_name}</strong> <code>${c.tool_call_id}</code><pre>${json(c.input)}</pre></div>`)}`}
  </div>`;
}

function Body({ span, detail }) {
  if (span.kind === 'model_call') return html`<${ModelCall} detail=${detail}/>`;
  if (span.kind === 'tool_call') {
    return html`<div><h4>Arguments</h4><pre class="detail-text" data-testid="detail-input">${json(detail.input ?? null)}</pre>
      <h4>Result${detail.is_error ? ' (error)' : ''}</h4><pre class="detail-text" data-testid="detail-result">${detail.result === undefined ? '(none yet)' : json(detail.result)}</pre></div>`;
  }
  if (span.kind === 'human_wait') {
    return html`<div><h4>Request</h4><pre class="detail-text">${json(detail.request ?? null)}</pre><h4>Answer</h4><pre class="detail-text">${detail.response ? json(detail.response) : '(waiting)'}</pre></div>`;
  }
  return html`<div><h4>Task</h4><pre class="detail-text" data-testid="detail-task">${detail.task ?? ''}</pre>
    ${detail.outcome !== undefined && html`<h4>Outcome</h4><pre class="detail-text">${json(detail.outcome)}</pre>`}
    ${detail.result != null && html`<h4>Result</h4><pre class="detail-text">${json(detail.result)}</pre>`}
    ${detail.error != null && html`<h4>Error</h4><pre class="detail-text">${detail.error}</pre>`}</div>`;
}

export function SpanDetail({ settings, runId, span, onClose }) {
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  // Asked again when the span changes (a live span ending, or its attributes growing).
  const stamp = `${span.status}:${span.last_sequence}`;
  useEffect(() => {
    let stopped = false;
    call(settings, 'runs/trace/span', { id: runId, span_id: span.span_id })
      .then((a) => { if (!stopped) setAnswer(a); }, (err) => { if (!stopped) setError(err.message); });
    return () => { stopped = true; };
  }, [settings, runId, span.span_id, stamp]);
  const a = span.attributes ?? {};
  return html`<aside class="card span-detail" data-testid="span-detail" data-span=${span.span_id}>
    <header>
      <strong data-testid="detail-title">${span.name}</strong>
      <span class=${`status st-${span.status}`}>${span.status}</span>
      <span class="muted">${span.kind.replace('_', ' ')}${span.agent_name ? ` · ${span.agent_name}` : ''}${span.team_name ? ` (${span.team_name})` : ''}</span>
      <button class="link" data-testid="detail-close" onClick=${onClose}>close</button>
    </header>
    <p class="span-facts">
      ${span.duration_ms == null ? 'running' : formatDuration(span.duration_ms)} from ${formatDuration(span.start_ms)}
      ${span.usage && ` · ${formatNumber(span.usage.input_tokens)} in / ${formatNumber(span.usage.output_tokens)} out tokens`}
      ${span.usage?.reasoning_tokens > 0 && ` (${formatNumber(span.usage.reasoning_tokens)} reasoning)`}
      ${span.cost_usd > 0 && ` · $${span.cost_usd.toFixed(6)}`}
      ${a.provider && ` · ${a.provider}/${a.model_id}`}${a.retries > 0 && ` · ${a.retries} retries`}${a.restarts > 0 && ` · issued again ${a.restarts}×`}${` · events ${span.first_sequence}–${span.last_sequence}`}
    </p>
    ${span.error && html`<p class="error" data-testid="detail-error">${span.error}</p>`}
    ${error && html`<p class="error">${error}</p>`}
    ${answer ? html`<${Body} span=${span} detail=${answer.detail}/>` : !error && html`<p class="muted">Loading…</p>`}
  </aside>`;
}
