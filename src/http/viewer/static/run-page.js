// The live page of one run: header with status, wall and agent time, cancel (while live) and
// run again (once ended), actor tree, statistics, agent cards and the timeline. Follows the
// run's stream (a finished run replays its history).
import { html, formatAge, formatDuration } from './format.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from './api.js';
import { AuthNotice, isAuthError } from './auth-notice.js';
import { followRun } from './run-stream.js';
import { createRunModel, applyEvents } from './run-model.js';
import { AgentTree } from './agent-tree.js';
import { AgentCards } from './agent-cards.js';
import { Timeline, CATEGORIES } from './timeline.js';
import { RunStats, statsFromTree } from './run-stats.js';
import { PendingInputs } from './pending-inputs.js';
import { ThreadLink, ThreadTurns } from './thread-turns.js';
import { RunStatus } from './run-figures.js';
import { RunAgain } from './run-again.js';
import { InspectPanel } from './inspect-panel.js';
import { TraceWaterfall } from './trace-waterfall.js';

/** Statuses of a run not ended yet: its agents can be controlled, its requests answered. */
const LIVE_STATUSES = new Set(['pending', 'running', 'waiting_input']);
const ENDED_STATUSES = new Set(['completed', 'failed', 'cancelled']);

/** Live per-agent figures are at most this old: one runs/inspect started per interval (never two at once). */
const INSPECT_EVERY_MS = 1000;

/** Polls runs/inspect for per-agent statistics while the run is live. */
function useLiveStats(settings, runId, live) {
  const [stats, setStats] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!live) return undefined;
    let stopped = false;
    let timer;
    const poll = async () => {
      const began = Date.now();
      try {
        const answer = await call(settings, 'runs/inspect', { id: runId });
        if (!stopped) {
          setStats({ agents: statsFromTree(answer.tree) });
          setError(null);
        }
      } catch (err) {
        if (!stopped) setError(`statistics: ${err.message}`);
      }
      // Counted from the start of this poll: a slow answer does not stretch the interval.
      if (!stopped) timer = setTimeout(poll, Math.max(0, INSPECT_EVERY_MS - (Date.now() - began)));
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [settings, runId, live]);
  return [stats, error];
}

/**
 * Wall time: the recorded one once the record has it; else from the stream (the run's first
 * event to its terminal one, or to now while it goes on).
 */
function wallTimeOf(run, model, terminal) {
  if (run?.duration_ms != null) return run.duration_ms;
  const from = run?.started_at ? Date.parse(run.started_at) : model.firstAt ? Date.parse(model.firstAt) : null;
  if (from === null) return null;
  return Math.max(0, (terminal && model.lastAt ? Date.parse(model.lastAt) : Date.now()) - from);
}

/** The agents' model-turn time, summed: the recorded total, else the sum of the live per-agent figures. */
function agentTimeOf(statistics) {
  if (statistics?.totals?.duration_ms != null) return statistics.totals.duration_ms;
  const agents = Object.values(statistics?.agents ?? {});
  return agents.length === 0 ? null : agents.reduce((sum, a) => sum + (a.duration_ms ?? 0), 0);
}

export function RunPage({ settings, runId, onOpenSettings }) {
  const model = useRef(null);
  model.current ??= createRunModel();
  const [, setVersion] = useState(0);
  const [run, setRun] = useState(null);
  const [hierarchyName, setHierarchyName] = useState(null);
  const [connection, setConnection] = useState({ state: 'connecting', reconnects: 0 });
  const [error, setError] = useState(null);
  const [authError, setAuthError] = useState(null);
  const [cancelling, setCancelling] = useState(false);
  const [selected, setSelected] = useState('');
  const [filter, setFilter] = useState({ agent: '', categories: new Set(CATEGORIES), limit: 200 });
  const terminal = model.current.terminal;

  const loadRun = async () => {
    try {
      const detail = await call(settings, 'runs/get', { id: runId });
      setRun(detail);
      return detail;
    } catch (err) {
      if (isAuthError(err)) setAuthError(err);
      else setError(err.message);
      return null;
    }
  };

  useEffect(() => {
    void loadRun().then((detail) => detail && call(settings, 'hierarchies/get', { id: detail.hierarchy_id })
      // Without the name (a hierarchy deleted since) the header shows the run's hierarchy id.
      .then((h) => setHierarchyName(h.name), () => setHierarchyName(null)));
    return followRun({
      settings, runId,
      onBatch: (events) => {
        applyEvents(model.current, events);
        setVersion(model.current.version);
      },
      onStatus: setConnection,
    });
  }, [settings, runId]);

  // A new request for a human: the recorded run has it too (status waiting_input, pending_inputs).
  const requests = model.current.humanRequests.size;
  useEffect(() => {
    if (requests > 0) void loadRun();
  }, [requests]);

  // Once the terminal event is in, the recorded run (status, statistics) is final: read it again,
  // unless the record read already had it final (an ended run opened: its history ends so).
  useEffect(() => {
    if (terminal && !(run && ENDED_STATUSES.has(run.status) && run.statistics)) void loadRun();
  }, [terminal?.status]);

  const status = terminal?.status ?? run?.status ?? 'unknown';
  const live = !terminal && run !== null && LIVE_STATUSES.has(run.status);
  const [liveStats, statsError] = useLiveStats(settings, runId, live);
  // While live, the polled tree is newer than the statistics read with the run at load time.
  const statistics = terminal?.statistics ?? (live ? liveStats ?? run?.statistics : run?.statistics ?? liveStats);

  const cancel = async () => {
    setCancelling(true);
    try {
      setRun(await call(settings, 'runs/cancel', { id: runId }));
    } catch (err) {
      if (isAuthError(err)) setAuthError(err);
      else setError(`cancel: ${err.message}`);
    } finally {
      setCancelling(false);
    }
  };

  // The run's own request and its stream are refused alike; one notice says so.
  const refused = authError ?? (isAuthError(connection.failure) ? connection.failure : null);
  return html`<div class="run-page">
    <header class="run-header card">
      <div>
        <h2>Run #${runId} <${RunStatus} run=${run} status=${status}/></h2>
        <p class="task" data-testid="run-task">${run?.task ?? ''}</p>
        <p class="muted">hierarchy ${hierarchyName ?? run?.hierarchy_id ?? '…'}${run?.thread_id ? html` · thread <${ThreadLink} threadId=${run.thread_id} testid="run-thread"/>` : ''}${run && ` · created ${formatAge(run.created_at)}`}${
          (run?.resumes?.count ?? 0) > 0 || model.current.resumes.length > 0
            ? html` · <span data-testid="run-moves" title="resumed on another process from its checkpoint">moved ${Math.max(run?.resumes?.count ?? 0, model.current.resumes.length)}×</span>`
            : ''}</p>
        <p class="muted run-times" data-testid="run-times">wall time <strong data-testid="run-wall-time">${formatDuration(wallTimeOf(run, model.current, terminal))}</strong>${' · '}agent time <strong data-testid="run-agent-time" title="the agents' model-turn time added up: more than the wall time when agents work at once">${formatDuration(agentTimeOf(statistics))}</strong> <span>(summed over agents)</span></p>
      </div>
      <div class="run-actions">
        <span class=${`conn conn-${connection.state}`} data-testid="connection" data-reconnects=${connection.reconnects}>
          ${connection.state}${connection.reconnects > 0 ? ` · resumed ${connection.reconnects}×` : ''}
        </span>
        ${live && html`<button class="danger" data-testid="cancel" disabled=${cancelling} onClick=${cancel}>${cancelling ? 'Cancelling…' : 'Cancel run'}</button>`}
        ${run && !live && ENDED_STATUSES.has(status) && html`<${RunAgain} settings=${settings} run=${run}/>`}
      </div>
    </header>
    ${refused && html`<${AuthNotice} error=${refused} settings=${settings} onOpenSettings=${onOpenSettings}/>`}
    ${!refused && (error || connection.error || statsError) && html`<p class="error" data-testid="run-error">${error ?? connection.error ?? statsError}</p>`}
    ${terminal?.result && html`<section class="card result"><strong>Result</strong><p data-testid="run-result">${terminal.result}</p></section>`}
    ${terminal?.error && html`<section class="card result failed"><strong>Error</strong><p data-testid="run-error-detail">${terminal.error}</p></section>`}
    ${run?.thread_id && html`<${ThreadTurns} settings=${settings} threadId=${run.thread_id} runId=${runId} refresh=${status}/>`}
    ${!terminal && html`<${PendingInputs} run=${run} model=${model.current} settings=${settings} runId=${runId} onResponded=${() => void loadRun()}/>`}
    <div class="run-grid">
      <section class="card tree"><header><strong>Actor tree</strong></header>
        <${AgentTree} model=${model.current} selected=${selected} onSelect=${(id) => { setSelected(id); setFilter({ ...filter, agent: id }); }}/>
      </section>
      <${RunStats} model=${model.current} statistics=${statistics}/>
    </div>
    <${AgentCards} model=${model.current} selected=${selected} onSelect=${(id) => { setSelected(id); setFilter({ ...filter, agent: id }); }}
      statistics=${statistics} settings=${settings} runId=${runId} live=${live}/>
    <${TraceWaterfall} settings=${settings} runId=${runId} live=${live} version=${model.current.version}/>
    <${Timeline} model=${model.current} filter=${filter} onFilter=${setFilter}/>
    <${InspectPanel} settings=${settings} runId=${runId} lastSequence=${model.current.lastSequence}/>
  </div>`;
}
