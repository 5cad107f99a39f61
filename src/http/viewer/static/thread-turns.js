// A thread in the viewer: its short name and link (the runs list filtered to it), and the turns
// of the thread a run belongs to, each with its task and answer, so a run's page shows what the
// run was told came before it.
import { html, clip } from './format.js';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';

/** The most turns the run page lists; the thread's own list (#/threads/<id>) pages through all. */
const TURNS_SHOWN = 100;

/** The hash of the runs list filtered to one thread. */
export const threadHref = (threadId) => `#/threads/${encodeURIComponent(threadId)}`;

/** A thread id is a UUID: its first block tells threads apart on one screen. */
export const shortThread = (threadId) => String(threadId).slice(0, 8);

export function ThreadLink({ threadId, testid = 'thread-link' }) {
  return html`<a href=${threadHref(threadId)} data-testid=${testid} data-thread=${threadId} title=${`thread ${threadId}`}><code>${shortThread(threadId)}</code></a>`;
}

/** What a turn answered, or why it has none. */
function answerOf(run) {
  if (run.result) return run.result;
  if (run.error) return `${run.status}: ${run.error}`;
  return run.status === 'completed' ? '(no answer)' : `(${run.status})`;
}

/** The thread's runs, oldest first as the conversation went; `refresh` changing reads them again. */
export function ThreadTurns({ settings, threadId, runId, refresh }) {
  const [turns, setTurns] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let stopped = false;
    call(settings, 'runs/list', { thread_id: threadId, page: 1, size: TURNS_SHOWN }).then(
      (page) => { if (!stopped) { setTurns({ runs: [...page.content].reverse(), total: page.totalElements }); setError(null); } },
      (err) => { if (!stopped) setError(`thread: ${err.message}`); },
    );
    return () => { stopped = true; };
  }, [settings, threadId, refresh]);
  return html`<section class="card thread-turns" data-testid="thread-turns" data-thread=${threadId}>
    <header><strong>Thread</strong> <${ThreadLink} threadId=${threadId} testid="thread-turns-link"/>
      ${turns && html`<span class="muted">${turns.total} turn${turns.total === 1 ? '' : 's'}${turns.total > turns.runs.length ? ` · the newest ${turns.runs.length} shown` : ''}</span>`}</header>
    ${error && html`<p class="error">${error}</p>`}
    <ol class="turns">
      ${(turns?.runs ?? []).map((r) => html`<li key=${r.id} data-testid="thread-turn" data-run=${r.id} data-current=${r.id === runId ? 'true' : 'false'}
          class=${r.id === runId ? 'current' : ''}>
        <div>${r.id === runId ? html`<strong>#${r.id} (this run)</strong>` : html`<a href=${`#/runs/${r.id}`}>#${r.id}</a>`}
          <span class=${`status status-${r.status}`}>${r.status}</span>
          <span data-testid="turn-task">${clip(r.task, 160)}</span></div>
        <div class="muted turn-answer" data-testid="turn-answer">${clip(answerOf(r), 240)}</div>
      </li>`)}
    </ol>
  </section>`;
}
