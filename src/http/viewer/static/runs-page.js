// The list of runs (polled, so new runs and status changes show up live), all of them or one
// thread's (#/threads/<id>), filtered as the URL hash says (run-filters.js), with each run's
// duration, tokens, cost and errors; two runs selected open side by side (#/compare/<a>/<b>).
// And the form that starts a run on a hierarchy or the next turn of the thread.
import { html, clip, formatAge } from './format.js';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { AuthNotice, isAuthError } from './auth-notice.js';
import { ThreadLink, shortThread, threadHref } from './thread-turns.js';
import { FilterBar, filtersOf, hashWith, listBody } from './run-filters.js';
import { RunFigureCells, RunStatus } from './run-figures.js';

const POLL_EVERY_MS = 2000;
const PAGE_SIZE = 20;

function useHierarchies(settings) {
  const [hierarchies, setHierarchies] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    call(settings, 'hierarchies/list', { page: 1, size: 100 })
      .then((page) => { setHierarchies(page.content); setError(null); }, (err) => { setHierarchies([]); setError(err); });
  }, [settings]);
  return [hierarchies, error];
}

function StartForm({ settings, hierarchies, threadId }) {
  const [hierarchyId, setHierarchyId] = useState('');
  const [task, setTask] = useState('');
  const [error, setError] = useState(null);
  const [starting, setStarting] = useState(false);
  // The choice stands while the list (of this tenant) still has it; else the first hierarchy.
  const chosen = hierarchies.some((h) => h.id === hierarchyId) ? hierarchyId : hierarchies[0]?.id ?? '';
  const submit = async (e) => {
    e.preventDefault();
    setStarting(true);
    try {
      // In a thread's list the run is its next turn, on the thread's own hierarchy.
      const run = await call(settings, 'runs/start', threadId ? { thread_id: threadId, task } : { hierarchy_id: chosen, task });
      location.hash = `#/runs/${run.id}`;
    } catch (err) {
      setError(err.message);
      setStarting(false);
    }
  };
  return html`<form class="card start-form" data-testid="start-form" onSubmit=${submit}>
    <header><strong>${threadId ? 'Continue the thread' : 'Start a run'}</strong></header>
    ${threadId ? html`<p class="muted" data-testid="start-thread">the next turn of thread <code>${shortThread(threadId)}</code>, told its earlier tasks and answers</p>`
      : html`<label>Hierarchy
      <select name="hierarchy" data-testid="start-hierarchy" value=${chosen} onChange=${(e) => setHierarchyId(e.currentTarget.value)}>
        ${hierarchies.map((h) => html`<option key=${h.id} value=${h.id}>${h.name} (${h.teams.length} teams)</option>`)}
      </select>
    </label>`}
    <label>Task <textarea name="task" data-testid="start-task" rows="3" required value=${task} onInput=${(e) => setTask(e.currentTarget.value)}
      placeholder="What should the agents do?"></textarea></label>
    <button type="submit" data-testid="start-submit" disabled=${starting || (!threadId && !chosen) || !task.trim()}>${starting ? 'Starting…' : 'Start run'}</button>
    ${hierarchies.length === 0 && html`<p class="muted">No hierarchy yet: create one with hierarchies/create (see the README).</p>`}
    ${error && html`<p class="error">${error}</p>`}
  </form>`;
}

/** The filters without unset keys, so "no filter" is `{}`. */
const clean = (filters) => Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined && v !== ''));

/** The hash of a comparison of two runs, the older on the left. */
export const compareHref = (a, b) => `#/compare/${Math.min(a, b)}/${Math.max(a, b)}`;

export function RunsPage({ settings, threadId, onOpenSettings }) {
  const [hierarchies, hierarchiesError] = useHierarchies(settings);
  // Read from the hash at mount: a reload or a shared link shows the same filtered list.
  const [filters, setFilters] = useState(() => filtersOf(location.hash));
  const [page, setPage] = useState(1);
  const [runs, setRuns] = useState(null);
  const [error, setError] = useState(null);
  const [now, setNow] = useState(Date.now());
  /** Runs ticked for comparison, oldest tick first (at most two). */
  const [selected, setSelected] = useState([]);
  const query = JSON.stringify(listBody(filters));

  const changeFilters = (next) => {
    const kept = clean(next);
    setFilters(kept);
    setPage(1);
    // Replaced, not pushed: each keystroke is no history entry, and no hashchange remounts the page.
    history.replaceState(null, '', hashWith(threadId ? threadHref(threadId) : '#/', kept));
  };

  useEffect(() => {
    let stopped = false;
    let timer;
    const poll = async () => {
      try {
        const answer = await call(settings, 'runs/list', { page, size: PAGE_SIZE, ...JSON.parse(query), ...(threadId && { thread_id: threadId }) });
        if (!stopped) { setRuns(answer); setError(null); setNow(Date.now()); }
      } catch (err) {
        // A refused key shows no rows at all, not the rows another key was shown before.
        if (!stopped) { setError(err); if (isAuthError(err)) setRuns(null); }
      }
      if (!stopped) timer = setTimeout(poll, POLL_EVERY_MS);
    };
    void poll();
    return () => { stopped = true; clearTimeout(timer); };
  }, [settings, page, query, threadId]);

  const toggle = (id) => setSelected((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id].slice(-2)));
  const names = new Map(hierarchies.map((h) => [h.id, h.name]));
  const authError = [error, hierarchiesError].find(isAuthError);
  const otherError = error && !isAuthError(error) ? `runs: ${error.message}`
    : hierarchiesError && !isAuthError(hierarchiesError) ? `hierarchies: ${hierarchiesError.message}` : null;
  return html`<div class="runs-page">
    ${authError && html`<div class="wide"><${AuthNotice} error=${authError} settings=${settings} onOpenSettings=${onOpenSettings}/></div>`}
    <${StartForm} settings=${settings} hierarchies=${hierarchies} threadId=${threadId}/>
    <section class="card">
      <header class="list-controls">
        <strong>Runs</strong>
        ${threadId && html`<span class="thread-filter" data-testid="thread-filter" data-thread=${threadId}>of thread <code title=${threadId}>${shortThread(threadId)}</code>
          <a href="#/" data-testid="thread-filter-clear" title="all runs">× all runs</a></span>`}
        ${runs && html`<span class="muted" data-testid="runs-total">${runs.totalElements} runs</span>`}
        ${selected.length === 2
          ? html`<a class="compare-link" href=${compareHref(selected[0], selected[1])} data-testid="compare-link">Compare #${Math.min(...selected)} and #${Math.max(...selected)}</a>`
          : html`<span class="muted" data-testid="compare-hint">tick two runs to compare them</span>`}
      </header>
      <${FilterBar} filters=${filters} hierarchies=${hierarchies} onChange=${changeFilters}/>
      ${otherError && html`<p class="error" data-testid="list-error">${otherError}</p>`}
      <table class="runs" data-testid="runs-table">
        <thead><tr><th></th><th>#</th><th>status</th><th>hierarchy</th><th>thread</th><th>task</th>
          <th class="num" title="wall time">duration</th><th class="num">tokens</th><th class="num">cost</th><th class="num" title="agents that did not complete">errors</th><th>age</th></tr></thead>
        <tbody>
          ${(runs?.content ?? []).map((r) => html`<tr key=${r.id} data-testid="run-row" data-run=${r.id} class=${r.completed_with_errors ? 'with-errors' : ''}>
            <td><input type="checkbox" data-testid="run-select" title="compare" checked=${selected.includes(r.id)} onChange=${() => toggle(r.id)}/></td>
            <td class="num"><a href=${`#/runs/${r.id}`}>${r.id}</a></td>
            <td><${RunStatus} run=${r} testid="run-row-status" flagTestid="run-row-errors-flag"/></td>
            <td>${names.get(r.hierarchy_id) ?? r.hierarchy_id}</td>
            <td>${r.thread_id ? html`<${ThreadLink} threadId=${r.thread_id} testid="run-thread"/>` : html`<span class="muted">–</span>`}</td>
            <td><a href=${`#/runs/${r.id}`}>${clip(r.task, 120)}</a></td>
            <${RunFigureCells} run=${r} now=${now}/>
            <td title=${r.created_at}>${formatAge(r.created_at, now)}</td>
          </tr>`)}
        </tbody>
      </table>
      ${runs && runs.content.length === 0 && html`<p class="muted" data-testid="runs-empty">No run matches.</p>`}
      ${runs && runs.totalPages > 1 && html`<nav class="pager">
        <button disabled=${runs.first} onClick=${() => setPage(page - 1)}>‹ newer</button>
        <span>page ${runs.page} of ${runs.totalPages}</span>
        <button disabled=${runs.last} onClick=${() => setPage(page + 1)}>older ›</button>
      </nav>`}
    </section>
  </div>`;
}
