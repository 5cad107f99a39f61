// How a run is shown wherever it appears (list, run page, compare): its status badge — amber,
// flagged "with errors", for a run that completed while some agent did not — and its figures
// (wall time, summed agent time, tokens, cost, errors) as runs/get and runs/list give them.
import { html, formatDuration, formatNumber } from './format.js';

/** Wall time: the recorded duration once ended; while it runs, since it started (null before). */
export function wallMs(run, now = Date.now()) {
  if (run?.duration_ms != null) return run.duration_ms;
  if (!run?.started_at || run.completed_at) return null;
  return Math.max(0, now - Date.parse(run.started_at));
}

export function formatCost(usd) {
  return usd == null ? '–' : `$${Number(usd).toFixed(4)}`;
}

export function tokensOf(run) {
  return run?.input_tokens == null && run?.output_tokens == null ? null : (run.input_tokens ?? 0) + (run.output_tokens ?? 0);
}

/**
 * The status badge. `status` (the stream's terminal status, newer than the record) wins over
 * the record's; the text stays the status itself, the flag beside it tells the errors.
 */
export function RunStatus({ run, status = run?.status ?? 'unknown', testid = 'run-status', flagTestid = 'run-errors-flag' }) {
  const withErrors = status === 'completed' && run?.completed_with_errors === true;
  const errors = run?.error_count ?? 0;
  return html`<span class=${`status status-${status}${withErrors ? ' status-with-errors' : ''}`} data-testid=${testid}>${status}</span>${withErrors
    ? html` <span class="errors-flag" data-testid=${flagTestid} title="the run completed, but some agent failed, was cancelled, timed out or ran out of budget">with errors · ${errors} agent${errors === 1 ? '' : 's'} did not complete</span>`
    : ''}`;
}

/** The figures of a run as table cells: duration, tokens, cost, errors (the runs list's columns). */
export function RunFigureCells({ run, now }) {
  const tokens = tokensOf(run);
  const wall = wallMs(run, now);
  return html`<td class="num" data-testid="run-duration" title=${run.agent_time_ms != null ? `agent time (summed) ${formatDuration(run.agent_time_ms)}` : ''}>${wall == null ? '–' : formatDuration(wall)}</td>
    <td class="num" data-testid="run-tokens" title=${tokens == null ? '' : `${formatNumber(run.input_tokens)} in / ${formatNumber(run.output_tokens)} out`}>${formatNumber(tokens)}</td>
    <td class="num" data-testid="run-cost">${formatCost(run.cost_usd)}</td>
    <td class=${`num${run.error_count > 0 ? ' has-errors' : ''}`} data-testid="run-errors">${run.error_count == null ? '–' : run.error_count}</td>`;
}
