// Two runs side by side (#/compare/<a>/<b>): their answers, spend (tokens, cost) and durations
// (wall, summed agent time, and each agent's), from runs/get. Agents are matched by team and
// name, so runs of two versions (or two hierarchies) of a team line up. Read again while one
// of them is still going.
import { html, formatDuration, formatNumber } from './format.js';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { AuthNotice, isAuthError } from './auth-notice.js';
import { formatCost, RunStatus, wallMs } from './run-figures.js';

const POLL_EVERY_MS = 2000;
const ENDED = new Set(['completed', 'failed', 'cancelled']);

function useRuns(settings, ids) {
  const [runs, setRuns] = useState([null, null]);
  const [names, setNames] = useState({});
  const [error, setError] = useState(null);
  useEffect(() => {
    let stopped = false;
    let timer;
    const load = async () => {
      try {
        const both = await Promise.all(ids.map((id) => call(settings, 'runs/get', { id })));
        if (stopped) return;
        setRuns(both);
        setError(null);
        for (const id of new Set(both.map((r) => r.hierarchy_id))) {
          // Without the name (a hierarchy deleted since) the page shows its id.
          call(settings, 'hierarchies/get', { id }).then((h) => !stopped && setNames((n) => ({ ...n, [id]: h.name })), () => {});
        }
        if (!both.every((r) => ENDED.has(r.status))) timer = setTimeout(load, POLL_EVERY_MS);
      } catch (err) {
        if (!stopped) setError(err);
      }
    };
    void load();
    return () => { stopped = true; clearTimeout(timer); };
  }, [settings, ids[0], ids[1]]);
  return [runs, names, error];
}

/** Each agent of either run, keyed by team and name: [{key, name, team, agents: [statsA, statsB]}] in run A's order, then B's others. */
function agentRows(runs) {
  const rows = new Map();
  runs.forEach((run, side) => {
    for (const stats of Object.values(run?.statistics?.agents ?? {})) {
      const key = `${stats.team_name ?? ''}/${stats.agent_name}`;
      if (!rows.has(key)) rows.set(key, { key, name: stats.agent_name, team: stats.team_name ?? null, agents: [null, null] });
      rows.get(key).agents[side] = stats;
    }
  });
  return [...rows.values()];
}

const FIGURES = [
  ['wall', 'wall time', (r) => formatDuration(wallMs(r))],
  ['agent-time', 'agent time (summed)', (r) => formatDuration(r.agent_time_ms)],
  ['input-tokens', 'input tokens', (r) => formatNumber(r.input_tokens)],
  ['output-tokens', 'output tokens', (r) => formatNumber(r.output_tokens)],
  ['cost', 'cost', (r) => formatCost(r.cost_usd)],
  ['errors', 'agents that did not complete', (r) => (r.error_count == null ? '–' : String(r.error_count))],
];

function answerOf(run) {
  if (run.result) return run.result;
  if (run.error) return run.error;
  return ENDED.has(run.status) ? '(no answer)' : `(${run.status}…)`;
}

function AgentCells({ stats }) {
  if (!stats) return html`<td class="muted" colspan="3">not in this run</td>`;
  const outcome = stats.outcome?.status ?? (stats.tasks > 0 ? '–' : 'skipped');
  return html`<td class="num" data-testid="compare-agent-time">${formatDuration(stats.duration_ms)}</td>
    <td class="num">${formatNumber((stats.input_tokens ?? 0) + (stats.output_tokens ?? 0))}</td>
    <td><span class=${`outcome outcome-${outcome}`}>${String(outcome).replace(/_/g, ' ')}</span></td>`;
}

export function ComparePage({ settings, ids, onOpenSettings }) {
  const [runs, names, error] = useRuns(settings, ids);
  if (error && isAuthError(error)) return html`<${AuthNotice} error=${error} settings=${settings} onOpenSettings=${onOpenSettings}/>`;
  if (error) return html`<p class="error" data-testid="compare-error">compare: ${error.message}</p>`;
  if (!runs[0] || !runs[1]) return html`<p class="muted">Loading runs #${ids[0]} and #${ids[1]}…</p>`;
  const rows = agentRows(runs);
  const cell = (testid, run, content) => html`<td data-testid=${testid} data-run=${run.id}>${content}</td>`;
  return html`<div class="compare-page" data-testid="compare-page">
    <section class="card">
      <header><strong>Compare</strong> ${runs.map((r, i) => html`${i > 0 ? ' and ' : ''}<a href=${`#/runs/${r.id}`}>run #${r.id}</a>`)}
        <a href="#/" class="muted">← all runs</a></header>
      <table class="compare" data-testid="compare-table">
        <thead><tr><th></th>${runs.map((r) => html`<th key=${r.id}>#${r.id}</th>`)}</tr></thead>
        <tbody>
          <tr><th>status</th>${runs.map((r) => cell('compare-status', r, html`<${RunStatus} run=${r} testid="compare-status-badge" flagTestid="compare-errors-flag"/>`))}</tr>
          <tr><th>hierarchy</th>${runs.map((r) => cell('compare-hierarchy', r, names[r.hierarchy_id] ?? r.hierarchy_id))}</tr>
          <tr><th>task</th>${runs.map((r) => cell('compare-task', r, r.task))}</tr>
          ${FIGURES.map(([key, label, show]) => html`<tr key=${key}><th>${label}</th>${runs.map((r) => cell(`compare-${key}`, r, show(r)))}</tr>`)}
        </tbody>
      </table>
    </section>
    <div class="compare-answers">
      ${runs.map((r) => html`<section key=${r.id} class=${`card result${r.status === 'failed' ? ' failed' : ''}`}>
        <strong>Answer of #${r.id}</strong><p data-testid="compare-answer" data-run=${r.id}>${answerOf(r)}</p></section>`)}
    </div>
    <section class="card">
      <header><strong>Agents</strong><span class="muted">model-turn time, tokens and how each one's last task ended</span></header>
      ${rows.length === 0 ? html`<p class="muted">No per-agent statistics yet (a run records them at its end).</p>` : html`<table class="compare-agents">
        <thead><tr><th>agent</th>${runs.map((r) => html`<th key=${r.id} class="num">#${r.id} time</th><th class="num">tokens</th><th>outcome</th>`)}</tr></thead>
        <tbody>${rows.map((row) => html`<tr key=${row.key} data-testid="compare-agent-row" data-agent=${row.key}>
          <td>${row.name}${row.team ? html` <span class="muted">${row.team}</span>` : ''}</td>
          ${row.agents.map((stats, i) => html`<${AgentCells} key=${i} stats=${stats}/>`)}
        </tr>`)}</tbody>
      </table>`}
    </section>
  </div>`;
}
