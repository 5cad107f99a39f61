// A machine's states as boxes, the current one highlighted; each box lists the events it
// answers (its transitions). Drawn from the definition @xstate.actor carries.
import { html } from './format.js';
import { currentState } from './inspect-stream.js';

function StateBox({ state, current, initial }) {
  const active = state.name === current;
  return html`<div class=${`state-box${active ? ' current' : ''}${state.final ? ' final' : ''}`}
    data-testid="state-box" data-state=${state.name} data-current=${active ? 'true' : 'false'}>
    <div class="state-box-name">${state.name === initial ? '→ ' : ''}${state.name}</div>
    ${state.children.length > 0 && html`<div class="state-box-children">${state.children.map((c) => html`<span>${c.name}</span>`)}</div>`}
    ${state.on.length > 0 && html`<div class="state-box-events">${state.on.join(' · ')}</div>`}
  </div>`;
}

export function StateChart({ actor }) {
  if (!actor.states) return html`<p class="muted">No state machine (a ${actor.value === null ? 'promise or callback' : 'plain'} actor).</p>`;
  const current = currentState(actor.value);
  return html`<div class="state-chart" data-testid="state-chart" data-actor=${actor.sessionId}>
    ${actor.states.states.map((state) => html`<${StateBox} key=${state.name} state=${state} current=${current} initial=${actor.states.initial}/>`)}
  </div>`;
}
