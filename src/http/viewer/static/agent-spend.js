// What an agent card tells about how an agent ended and what it spent: its outcome (status,
// partial output of a stopped one), its spend against its budget when the server reports one,
// and its budget alerts. Spend and budget fields are read as they come: a server without
// budgets has neither, and the card then shows tokens and cost from the statistics alone.
import { html, clip, formatNumber } from './format.js';
import { spendRows } from './spend-rows.js';

function show(key, n) {
  return key === 'cost_usd' ? `$${n.toFixed(4)}` : formatNumber(n);
}

export function AgentOutcome({ agent, stats }) {
  const outcome = agent.outcome ?? stats?.outcome ?? null;
  const rows = spendRows(stats, outcome);
  const alerts = agent.budgetAlerts ?? [];
  const lastAlert = alerts[alerts.length - 1];
  if (!outcome && rows.length === 0 && !lastAlert) return null;
  return html`<div class="agent-outcome">
    <div class="agent-meta">
      ${outcome && html`<span class=${`outcome outcome-${outcome.status}`} data-testid="agent-outcome" title=${outcome.error ?? ''}>${String(outcome.status).replace(/_/g, ' ')}</span>`}
      ${rows.length > 0 && html`<span data-testid="agent-spend">${rows.map((r, i) => html`${i > 0 ? ' · ' : ''}<span class=${r.max !== undefined && r.spent >= r.max * 0.8 ? 'budget-alert warning' : ''}>${show(r.key, r.spent)}${r.max !== undefined ? ` / ${show(r.key, r.max)}` : ''} ${r.spent === 1 && r.max === undefined ? r.label.replace(/s$/, '') : r.label}</span>`)}</span>`}
      ${lastAlert && html`<span class=${`budget-alert ${lastAlert.level}`} data-testid="agent-budget-alert">budget ${lastAlert.level}: ${lastAlert.limit ?? ''} ${lastAlert.spent ?? '?'} of ${lastAlert.max ?? '?'}</span>`}
    </div>
    ${outcome?.partial_output && html`<div class="partial" data-testid="agent-partial" title="what it had produced when it stopped">partial: ${clip(outcome.partial_output, 1000)}</div>`}
    ${outcome?.error && outcome.status !== 'completed' && html`<div class="control-note">${clip(outcome.error, 200)}</div>`}
  </div>`;
}
