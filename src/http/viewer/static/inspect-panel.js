// The run page's Inspect panel, for developers: the Actors tab (inspector-tab.js: the run's actor
// system live, and Stately's inspector) and time travel over the run's events (time-travel.js).
// Both are loaded when their tab is first opened; a closed panel costs the page nothing.
import { html } from './format.js';
import { useState } from 'preact/hooks';
import { LazyPart } from './lazy-module.js';

const loadActors = () => import('./inspector-tab.js');
const loadTimeTravel = () => import('./time-travel.js');

export function InspectPanel({ settings, runId, lastSequence }) {
  const [tab, setTab] = useState(null);
  return html`<section class="card inspect-panel" data-testid="inspect-panel">
    <header>
      <strong>Inspect</strong>
      <span class="inspect-tabs">
        <button class=${tab === 'actors' ? 'selected' : ''} data-testid="inspect-tab" onClick=${() => setTab(tab === 'actors' ? null : 'actors')}>Actors</button>
        <button class=${tab === 'travel' ? 'selected' : ''} data-testid="time-travel-tab" onClick=${() => setTab(tab === 'travel' ? null : 'travel')}>Time travel</button>
      </span>
      <span class="muted">for developers: the run's XState actors, live, and the run at any of its events</span>
    </header>
    ${tab === 'actors' && html`<${LazyPart} load=${loadActors} name="Actors" label="the actor inspector" props=${{ settings, runId }}/>`}
    ${tab === 'travel' && html`<${LazyPart} load=${loadTimeTravel} name="TimeTravel" label="time travel" props=${{ settings, runId, lastSequence }}/>`}
  </section>`;
}
