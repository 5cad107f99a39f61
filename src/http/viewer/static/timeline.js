// The event timeline, filterable by agent and category. Only the newest matching rows are on
// screen: a long run has tens of thousands of events, and the DOM need not hold them all.
import { Component } from 'preact';
import { html, clip } from './format.js';

export const CATEGORIES = ['lifecycle', 'llm', 'dispatch', 'system', 'agent', 'budget', 'human'];
// (The agent category's checkbox is `filter-category-agent`: `filter-agent` is the agent select's.)
const ROW_LIMITS = [200, 1000, 5000];

function summary(event) {
  const d = event.data ?? {};
  switch (`${event.event.category}.${event.event.action}`) {
    case 'llm.stream':
    case 'llm.reasoning': return d.content;
    case 'llm.tool_call': return `${d.tool_name}(${JSON.stringify(d.input ?? {})})`;
    case 'llm.tool_result': return `${d.is_error ? 'error: ' : ''}${typeof d.result === 'string' ? d.result : JSON.stringify(d.result)}`;
    case 'dispatch.team': return `→ ${d.team_name}: ${d.task}`;
    case 'dispatch.worker': return `→ ${d.worker_name}: ${d.task}`;
    case 'dispatch.team_completed': return `${d.team_name} ${ended(d)} in ${d.duration_ms} ms${d.deduplicated ? ' (deduplicated)' : ''}`;
    case 'dispatch.worker_completed': return `${d.worker_name} ${ended(d)} in ${d.duration_ms} ms${d.deduplicated ? ' (deduplicated)' : ''}`;
    case 'agent.cancelled': return `cancelled (${d.mode ?? 'hard'})${d.cancelled_by && d.cancelled_by !== d.agent_id ? ` with ${d.cancelled_by}` : ''}${d.outcome?.partial_output ? ` — partial: ${d.outcome.partial_output}` : ''}`;
    case 'agent.steered': return `steered (${d.delivery ?? 'next model turn'}): ${d.message}`;
    case 'budget.warning':
    case 'budget.exhausted': return `${d.scope ?? 'run'} ${d.limit ?? 'budget'}: ${d.spent ?? '?'} of ${d.max ?? '?'}`;
    case 'human.requested': return d.kind === 'question' ? `asks: ${d.question}` : `approve ${d.tool_name}(${JSON.stringify(d.arguments ?? {})})?`;
    case 'human.responded': return `${d.request_id}: ${typeof d.answer === 'string' ? `answered ${d.answer}` : d.approve === false || d.approved === false ? 'denied' : 'approved'}${d.message ? ` — ${d.message}` : ''}`;
    case 'lifecycle.started': return d.task;
    case 'lifecycle.resumed': return `moved to another process (resume #${d.resume ?? '?'}) — continues from its checkpoint after event ${d.checkpoint_sequence ?? 'none'}`;
    case 'llm.turn_restarted': return 'model turn issued again from its start after the move';
    case 'llm.call_started': return `model call ${d.call_id} to ${d.model}: ${d.messages?.length ?? 0} new message(s) from #${d.messages_from ?? 0}${d.restarted ? ' (issued again)' : ''}`;
    case 'llm.call_completed': return `model call ${d.call_id} ${d.status}${d.error ? `: ${d.error}` : ''} — ${d.usage?.input_tokens ?? 0} in / ${d.usage?.output_tokens ?? 0} out tokens, ${d.duration_ms} ms`;
    case 'lifecycle.completed': return d.result;
    case 'lifecycle.failed': return d.error;
    case 'system.topology': return `${d.topology?.teams?.length ?? 0} teams, ${d.topology?.execution_mode ?? ''}`;
    case 'system.error': return d.error;
    default: return JSON.stringify(d);
  }
}

/** How a delegation ended: its outcome's status since typed outcomes, else ok. */
function ended(d) {
  const status = d.outcome?.status ?? d.status;
  if (status && status !== 'completed') return status.replace(/_/g, ' ');
  return d.ok === false ? 'failed' : 'done';
}

/** How many events the filter matches, from the model's counters (no scan of every event per frame). */
function matchingCount(model, filter) {
  let matching = 0;
  for (const [key, n] of model.byAgentCategory) {
    const cut = key.lastIndexOf('/');
    if (filter.categories.has(key.slice(cut + 1)) && (!filter.agent || filter.agent === key.slice(0, cut))) matching += n;
  }
  return matching;
}

/** The newest `limit` events matching the filter, newest first: a scan from the end that stops at `limit`. */
export function visibleEvents(model, filter, limit) {
  const { events } = model;
  const rows = [];
  for (let i = events.length - 1; i >= 0 && rows.length < limit; i--) {
    const e = events[i];
    if (!filter.categories.has(e.event.category)) continue;
    if (filter.agent && (filter.agent === 'run' ? e.source !== null : e.source?.agent_id !== filter.agent)) continue;
    rows.push(e);
  }
  return { rows, matching: matchingCount(model, filter) };
}

/** A row never changes once drawn (an event is immutable): skipping its diff keeps a frame cheap. */
class Row extends Component {
  shouldComponentUpdate(next) {
    return next.event !== this.props.event;
  }

  render({ event }) {
    const moved = event.event.action === 'resumed' && event.event.category === 'lifecycle';
    return html`<tr data-testid="timeline-row" data-seq=${event.sequence} class=${`cat-${event.event.category}${moved ? ' run-moved' : ''}`}>
      <td class="num">${event.sequence}</td>
      <td class="time">${event.timestamp.slice(11, 23)}</td>
      <td>${event.source ? event.source.agent_name + (event.source.team_name && event.source.agent_type !== 'global_supervisor' ? ` (${event.source.team_name})` : '') : 'run'}</td>
      <td><code>${event.event.category}.${event.event.action}</code></td>
      <td class="summary">${clip(summary(event))}</td>
    </tr>`;
  }
}

export function Timeline({ model, filter, onFilter }) {
  const { rows, matching } = visibleEvents(model, filter, filter.limit);
  const toggle = (category) => {
    const categories = new Set(filter.categories);
    if (categories.has(category)) categories.delete(category);
    else categories.add(category);
    onFilter({ ...filter, categories });
  };
  return html`<section class="card timeline">
    <header class="timeline-controls">
      <strong>Timeline</strong>
      <label>agent <select data-testid="filter-agent" value=${filter.agent} onChange=${(e) => onFilter({ ...filter, agent: e.currentTarget.value })}>
        <option value="">all</option>
        <option value="run">run (no agent)</option>
        ${model.order.map((id) => html`<option key=${id} value=${id}>${model.agents.get(id).name}</option>`)}
      </select></label>
      ${CATEGORIES.map((c) => html`<label key=${c} class="check"><input type="checkbox" data-testid=${c === 'agent' ? 'filter-category-agent' : `filter-${c}`} checked=${filter.categories.has(c)} onChange=${() => toggle(c)}/>${c} (${model.byCategory[c] ?? 0})</label>`)}
      <label>show <select data-testid="filter-limit" value=${filter.limit} onChange=${(e) => onFilter({ ...filter, limit: Number(e.currentTarget.value) })}>
        ${ROW_LIMITS.map((n) => html`<option key=${n} value=${n}>last ${n}</option>`)}
      </select></label>
      <span class="muted" data-testid="timeline-count">${rows.length} of ${matching} matching</span>
    </header>
    <div class="timeline-scroll">
      <table>
        <thead><tr><th>#</th><th>time</th><th>agent</th><th>event</th><th>data</th></tr></thead>
        <tbody>${rows.map((e) => html`<${Row} key=${e.sequence} event=${e}/>`)}</tbody>
      </table>
    </div>
  </section>`;
}
