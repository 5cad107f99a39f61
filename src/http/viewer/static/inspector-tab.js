// The Inspect panel's Actors tab, for developers: the run's actor system live (each machine's
// states with its current one, the events each actor received) from runs/inspect/stream, and a
// button that opens the run in Stately's inspector. The stream is opened only while the tab is
// open: a run nobody inspects is not observed.
import { html, formatAge } from './format.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { applyInspection, createInspectionModel, currentState, followInspection } from './inspect-stream.js';
import { StateChart } from './state-chart.js';
import { openStatelyInspector } from './stately-inspector.js';

// Its styles are its own file (inspector.css), linked by index.html with the others: added from
// here, it was asked for only once every module had run, and held the page's load event back.

/** Machines first (the run, then its agents), then the other actors (model and tool calls). */
function shownActors(model) {
  const actors = model.order.map((id) => model.actors.get(id));
  return [...actors.filter((a) => a.states), ...actors.filter((a) => !a.states && a.status === 'active')];
}

function ActorEvents({ actor }) {
  if (actor.events.length === 0) return html`<p class="muted">No event received since the stream opened.</p>`;
  return html`<ol class="actor-events" data-testid="actor-events">
    ${[...actor.events].reverse().map((e) => html`<li key=${e.id} data-testid="actor-event" data-type=${e.type}>
      <code>${e.type}</code>${e.from && html` <span class="muted">from ${e.from}</span>`} <span class="muted">${formatAge(new Date(e.at).toISOString())}</span>
    </li>`)}
  </ol>`;
}

/** The Actors tab (inspect-panel.js loads this module when the tab is first opened). */
export function Actors({ settings, runId }) {
  const model = useRef(null);
  model.current ??= createInspectionModel();
  const [, setVersion] = useState(0);
  const [status, setStatus] = useState('connecting');
  const [selected, setSelected] = useState(null);
  const [stately, setStately] = useState(null);
  const listeners = useRef(new Set());
  useEffect(() => followInspection({
    settings, runId,
    onBatch: (batch) => {
      applyInspection(model.current, batch);
      for (const send of listeners.current) send(batch);
      setVersion(model.current.version);
    },
    onStatus: setStatus,
    onDropped: (n) => { model.current.dropped += n; },
  }), [settings, runId]);
  useEffect(() => () => stately?.(), [stately]);

  const openStately = () => {
    // The inspector opened before (if any) is let go by the effect above.
    const stop = openStatelyInspector({
      // Every actor's announcement first (older events may have been dropped), then the events kept.
      backlog: () => [...model.current.lastActor.values(), ...model.current.events.filter((e) => e.type !== '@xstate.actor')],
      subscribe: (send) => {
        listeners.current.add(send);
        return () => listeners.current.delete(send);
      },
    });
    setStately(() => stop);
    if (!stop) setStatus('the browser blocked the inspector window');
  };

  const actors = shownActors(model.current);
  const current = model.current.actors.get(selected) ?? actors[0];
  return html`<div class="inspect-actors">
    <div class="inspect-bar">
      <span class=${`conn conn-${status}`} data-testid="inspect-connection">${status}</span>
      <span class="muted" data-testid="inspect-counts">${model.current.actors.size} actors · ${model.current.events.length} events${model.current.dropped > 0 ? ` · ${model.current.dropped} dropped` : ''}</span>
      <button data-testid="open-stately" onClick=${openStately} title="Sends this run's actor events to stately.ai/inspect">Open in Stately Inspector</button>
    </div>
    ${actors.length === 0 ? html`<p class="muted">Waiting for the run's actors…</p>` : html`<div class="inspect-grid">
      <ul class="inspect-list">
        ${actors.map((a) => html`<li key=${a.sessionId}>
          <button class=${`inspect-actor${a === current ? ' selected' : ''}`} data-testid="inspect-actor" data-session=${a.sessionId}
            data-state=${currentState(a.value) ?? ''} onClick=${() => setSelected(a.sessionId)}>
            <span class="agent-name">${a.name}</span>
            <span class="muted">${a.status === 'active' ? currentState(a.value) ?? 'active' : a.status}</span>
            <span class="muted">${a.events.length} ev</span>
          </button>
        </li>`)}
      </ul>
      <div class="inspect-detail" data-testid="inspect-detail" data-session=${current.sessionId}>
        <header><strong>${current.name}</strong> <code class="muted">${current.sessionId}</code> <span class="muted">${current.status}</span></header>
        <${StateChart} actor=${current}/>
        <h4>Events received</h4>
        <${ActorEvents} actor=${current}/>
      </div>
    </div>`}
  </div>`;
}
