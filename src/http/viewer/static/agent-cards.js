// One card per agent: its streamed text and reasoning, its tasks, tool calls and results.
import { html, clip } from './format.js';
import { AgentControls } from './agent-controls.js';
import { AgentOutcome } from './agent-spend.js';

/** Segments shown per card; a long transcript keeps its tail on screen. */
const SHOWN_SEGMENTS = 40;
/** Characters of one text or reasoning segment shown (its tail: the newest tokens). */
const SHOWN_CHARS = 4000;

function tail(text) {
  return text.length > SHOWN_CHARS ? `…${text.slice(-SHOWN_CHARS)}` : text;
}

function Segment({ segment }) {
  switch (segment.kind) {
    case 'text': return html`<div class="seg seg-text" data-testid="agent-text">${tail(segment.content)}</div>`;
    case 'reasoning': return html`<div class="seg seg-reasoning">${tail(segment.content)}</div>`;
    case 'task': return html`<div class="seg seg-task">▶ task: ${clip(segment.content, 300)}</div>`;
    case 'tool_call': return html`<div class="seg seg-tool" data-testid="tool-call"><b>call</b> ${segment.content.name}(${clip(JSON.stringify(segment.content.input ?? {}), 300)})</div>`;
    case 'tool_result': return html`<div class=${`seg seg-result${segment.content.isError ? ' seg-error' : ''}`} data-testid="tool-result">
      <b>result</b> ${segment.content.name}: ${clip(typeof segment.content.result === 'string' ? segment.content.result : JSON.stringify(segment.content.result), 400)}</div>`;
    case 'error': return html`<div class="seg seg-error"><b>error</b> ${segment.content}</div>`;
    case 'control': return html`<div class="seg seg-control" data-testid="agent-control-seg">■ ${clip(segment.content, 400)}</div>`;
    default: return null;
  }
}

function AgentCard({ agent, selected, onSelect, stats, settings, runId, live }) {
  const shown = agent.segments.slice(-SHOWN_SEGMENTS);
  return html`<section class=${`card agent-card${selected ? ' selected' : ''}`} data-testid="agent-card" data-agent=${agent.id}>
    <header onClick=${() => onSelect(selected ? '' : agent.id)} title=${agent.model ? `model ${agent.model}` : ''}>
      <strong>${agent.name}</strong>
      ${agent.team && agent.type === 'worker' && html`<span class="muted">${agent.team}</span>`}
      ${agent.role && html`<span class="muted">${agent.role}</span>`}
      <span class=${`state state-${agent.state.replace(/ /g, '-')}`}>${agent.state}</span>
    </header>
    <${AgentOutcome} agent=${agent} stats=${stats}/>
    <div class="transcript"><div>
      ${shown.length === 0 ? html`<p class="muted">nothing yet</p>` : shown.map((segment, i) => html`<${Segment} key=${agent.segments.length - shown.length + i} segment=${segment}/>`)}
    </div></div>
    ${settings && html`<${AgentControls} settings=${settings} runId=${runId} agent=${agent} live=${live}/>`}
  </section>`;
}

/** `statistics.agents` (runs/get, or runs/inspect while live) gives each card its spend; settings and runId its controls. */
export function AgentCards({ model, selected, onSelect, statistics, settings, runId, live }) {
  const agents = model.order.map((id) => model.agents.get(id)).filter((a) => !selected || a.id === selected);
  return html`<div class="agent-cards">
    ${agents.map((agent) => html`<${AgentCard} key=${agent.id} agent=${agent} selected=${agent.id === selected} onSelect=${onSelect}
      stats=${statistics?.agents?.[agent.id]} settings=${settings} runId=${runId} live=${live}/>`)}
  </div>`;
}
