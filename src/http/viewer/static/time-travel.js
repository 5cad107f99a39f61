// Time travel: a slider over the run's events; the tree as it was at the chosen one, from
// runs/inspect {id, at_sequence} (rebuilt by the server from the stored events).
import { html, clip, formatNumber } from './format.js';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';

const SETTLE_MS = 120;

function TravelNode({ node }) {
  const name = node.agent_name ? `${node.agent_name}${node.team_name ? ` (${node.team_name})` : ''}` : node.id;
  return html`<li>
    <div class="travel-node" data-testid="time-travel-node" data-agent=${node.agent_id ?? node.id} data-state=${String(node.state)}>
      <span class="agent-type">${node.kind.replace('_supervisor', '')}</span>
      <span class="agent-name">${name}</span>
      <code class="travel-state">${typeof node.state === 'string' ? node.state : JSON.stringify(node.state)}</code>
      ${node.outcome && html`<span class=${`outcome outcome-${node.outcome.status}`} data-testid="time-travel-outcome">${node.outcome.status}</span>`}
      ${node.usage && node.usage.output_tokens > 0 && html`<span class="muted">${formatNumber(node.usage.input_tokens + node.usage.output_tokens)} tokens</span>`}
    </div>
    ${node.busy_with && html`<div class="travel-detail">task: ${clip(node.busy_with, 140)}</div>`}
    ${node.output && html`<div class="travel-detail muted">output: ${clip(node.output, 140)}</div>`}
    ${node.children.length > 0 && html`<ul>${node.children.map((c) => html`<${TravelNode} key=${c.id} node=${c}/>`)}</ul>`}
  </li>`;
}

export function TimeTravel({ settings, runId, lastSequence }) {
  // null: follow the newest event.
  const [chosen, setChosen] = useState(null);
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const at = chosen ?? lastSequence;
  useEffect(() => {
    if (at <= 0 && lastSequence <= 0) return undefined;
    let stale = false;
    const timer = setTimeout(async () => {
      try {
        const next = await call(settings, 'runs/inspect', { id: runId, at_sequence: at });
        if (!stale) {
          setAnswer(next);
          setError(null);
        }
      } catch (err) {
        if (!stale) setError(err.message);
      }
    }, SETTLE_MS);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [settings, runId, at]);
  return html`<section class="time-travel" data-testid="time-travel">
    <label class="travel-slider">
      <span>event</span>
      <input type="range" min="0" max=${lastSequence} value=${at} data-testid="time-travel-slider"
        onInput=${(e) => setChosen(Number(e.currentTarget.value))}/>
      <span data-testid="time-travel-at">${at} / ${lastSequence}</span>
      ${chosen !== null && html`<button class="link" onClick=${() => setChosen(null)}>newest</button>`}
    </label>
    ${error && html`<p class="error">${error}</p>`}
    ${answer && html`<p class="muted">at event <strong data-testid="time-travel-shown">${answer.at_sequence}</strong> the run was
      <span class=${`status status-${answer.status}`} data-testid="time-travel-status">${answer.status}</span></p>
      <ul class="travel-tree" data-testid="time-travel-tree"><${TravelNode} node=${answer.tree}/></ul>`}
  </section>`;
}
