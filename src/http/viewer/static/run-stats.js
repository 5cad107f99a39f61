// Statistics of a run: tokens and model-turn time per agent and summed (from runs/inspect while
// it runs, from its recorded statistics once it ended), plus what the stream itself counted.
// The summed agent time is not the run's wall time (the page's header shows both): agents
// working at once add up to more.
import { html, formatDuration, formatNumber } from './format.js';

/** agent_id → stats, from the live actor tree of runs/inspect (nodes carry agent_id + stats). */
export function statsFromTree(tree) {
  const agents = {};
  const walk = (node) => {
    if (!node || typeof node !== 'object') return;
    // With its outcome, and its spend and budget when the server reports them (see agent-spend.js).
    if (node.agent_id && node.stats) {
      agents[node.agent_id] = { ...node.stats, outcome: node.outcome ?? null, ...(node.spend && { spend: node.spend.spent ?? node.spend, budget: node.spend.budget ?? node.budget ?? null }) };
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(tree);
  return agents;
}

const COLUMNS = [
  ['input_tokens', 'in tokens'], ['output_tokens', 'out tokens'], ['reasoning_tokens', 'reasoning'],
  ['model_calls', 'model calls'], ['tool_calls', 'tool calls'], ['duration_ms', 'agent time'],
];

function sum(agents) {
  const totals = {};
  for (const stats of Object.values(agents)) {
    for (const [key] of COLUMNS) totals[key] = (totals[key] ?? 0) + (stats[key] ?? 0);
  }
  return totals;
}

const cell = (key, stats) => html`<td class="num" data-testid=${`stat-${key}`}>${key === 'duration_ms' ? formatDuration(stats?.[key]) : formatNumber(stats?.[key])}</td>`;

/** @param {{model: object, statistics: {agents: object, totals?: object} | null}} props */
export function RunStats({ model, statistics }) {
  const elapsedMs = model.firstAt && model.lastAt ? Date.parse(model.lastAt) - Date.parse(model.firstAt) : null;
  const rate = elapsedMs > 0 ? Math.round((model.events.length * 1000) / elapsedMs) : null;
  const agents = statistics?.agents ?? {};
  const totals = statistics?.totals ?? sum(agents);
  return html`<section class="card stats" data-testid="run-stats">
    <header><strong>Statistics</strong></header>
    <dl class="stream-stats">
      <dt>events</dt><dd data-testid="stat-events">${formatNumber(model.events.length)}</dd>
      <dt title="first to last event received">event span</dt><dd>${formatDuration(elapsedMs)}</dd>
      <dt>events/s</dt><dd>${rate ?? '–'}</dd>
      <dt>tool calls</dt><dd>${model.toolCalls} (${model.toolErrors} errors)</dd>
      <dt>gaps / repeats</dt><dd data-testid="stat-gaps">${model.gaps} / ${model.duplicates}</dd>
    </dl>
    <table>
      <thead><tr><th>agent</th>${COLUMNS.map(([, label]) => html`<th key=${label}>${label}</th>`)}</tr></thead>
      <tbody>
        ${model.order.map((id) => html`<tr key=${id}><td>${model.agents.get(id).name}</td>${COLUMNS.map(([key]) => cell(key, agents[id]))}</tr>`)}
        <tr class="totals" data-testid="stats-totals"><td title="added up over the agents: not the wall time">total (summed)</td>${COLUMNS.map(([key]) => cell(key, totals))}</tr>
      </tbody>
    </table>
  </section>`;
}
