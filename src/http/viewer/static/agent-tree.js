// The actor tree of a run: global supervisor → team supervisors → workers, each with its state.
import { html } from './format.js';
import { agentTree } from './run-model.js';

const TYPE_LABEL = { global_supervisor: 'global', team_supervisor: 'team', worker: 'worker' };

function stateClass(state) {
  return `state state-${state.replace(/ /g, '-')}`;
}

function Node({ node, selected, onSelect }) {
  const { agent } = node;
  return html`<li>
    <button class=${`agent-node${selected === agent.id ? ' selected' : ''}`} data-testid="tree-node" data-agent=${agent.id}
      data-state=${agent.state} onClick=${() => onSelect(selected === agent.id ? '' : agent.id)}>
      <span class="agent-type">${TYPE_LABEL[agent.type] ?? agent.type}</span>
      <span class="agent-name">${agent.name}</span>
      ${agent.role && html`<span class="agent-role">${agent.role}</span>`}
      <span class=${stateClass(agent.state)} data-testid="agent-state">${agent.state}</span>
    </button>
    ${node.children.length > 0 && html`<ul>${node.children.map((child) => html`<${Node} key=${child.agent.id} node=${child} selected=${selected} onSelect=${onSelect}/>`)}</ul>`}
  </li>`;
}

export function AgentTree({ model, selected, onSelect }) {
  const roots = agentTree(model);
  if (roots.length === 0) return html`<p class="muted">The actor tree appears when the run publishes its topology.</p>`;
  return html`<ul class="agent-tree" data-testid="agent-tree">
    ${roots.map((node) => html`<${Node} key=${node.agent.id} node=${node} selected=${selected} onSelect=${onSelect}/>`)}
  </ul>`;
}
