// What the viewer knows about one run, built from its events alone (no DOM here). Applied a
// batch at a time (one batch per animation frame), mutating in place: at hundreds of events a
// second, copying the whole state per event would be the bottleneck. `version` tells the
// components that something changed.

export const AGENT_STATES = ['waiting', 'thinking', 'delegating', 'using a tool', 'waiting input', 'done', 'failed', 'cancelled', 'skipped'];
/** `skipped`: the run ended before the agent was ever given a task. */
const ENDED = new Set(['done', 'failed', 'cancelled', 'skipped']);
/** Transcript segments kept per agent (older ones are dropped from the card, not the timeline). */
const MAX_SEGMENTS = 200;

export function createRunModel() {
  return {
    version: 0,
    topology: null,
    /** agent_id → agent; see addAgent. */
    agents: new Map(),
    /** Agent ids in tree order: global, then each team's supervisor and its workers. */
    order: [],
    /** Every event received, in sequence order, each once. */
    events: [],
    lastSequence: 0,
    /** Sequences that were skipped (never expected: the stream resumes without gaps). */
    gaps: 0,
    duplicates: 0,
    byCategory: { lifecycle: 0, llm: 0, dispatch: 0, system: 0, agent: 0, budget: 0, human: 0 },
    /** `${agent_id or 'run'}/${category}` → events: how many a timeline filter matches, without a scan. */
    byAgentCategory: new Map(),
    toolCalls: 0,
    toolErrors: 0,
    /** {status, result, error, statistics} once the terminal lifecycle event arrived. */
    terminal: null,
    /** Each move of the run to another process: {sequence, resume, fromProcess, checkpointSequence}. */
    resumes: [],
    /** Requests for a human (human.requested), by request_id; answered ones get `responded`. */
    humanRequests: new Map(),
    /** budget.warning / budget.exhausted events: {level, scope, limit, spent, max, sequence}. */
    budgetAlerts: [],
    firstAt: null,
    lastAt: null,
  };
}

function addAgent(model, id, fields) {
  if (!model.agents.has(id)) model.order.push(id);
  model.agents.set(id, {
    id, state: 'waiting', segments: [], textChars: 0, pendingTools: 0, pendingDelegations: 0, events: 0,
    /** How its last delegation ended ({status, output, partial_output, usage, error}), from dispatch *_completed or agent.cancelled. */
    outcome: null,
    /** Its budget alerts (scope agent:<id>, or team:<name> for a team supervisor). */
    budgetAlerts: [],
    ...fields,
  });
}

function applyTopology(model, topology) {
  model.topology = topology;
  const global = topology.global_supervisor;
  addAgent(model, global.agent_id, { name: global.name, type: 'global_supervisor', team: null, model: global.model, parent: null });
  for (const team of topology.teams ?? []) {
    const sup = team.supervisor;
    addAgent(model, sup.agent_id, { name: `${team.name} supervisor`, type: 'team_supervisor', team: team.name, model: sup.model, parent: global.agent_id });
    for (const w of team.workers ?? []) {
      addAgent(model, w.agent_id, { name: w.name, type: 'worker', team: team.name, role: w.role, model: w.model, parent: sup.agent_id });
    }
  }
}

/** The agent an event's source names, added on the fly if the topology did not (never expected). */
function agentOf(model, source) {
  if (!source) return undefined;
  if (!model.agents.has(source.agent_id)) {
    addAgent(model, source.agent_id, { name: source.agent_name, type: source.agent_type, team: source.team_name, parent: null });
  }
  return model.agents.get(source.agent_id);
}

function findAgent(model, type, team, name) {
  for (const id of model.order) {
    const a = model.agents.get(id);
    if (a.type === type && a.team === team && (name === undefined || a.name === name)) return a;
  }
  return undefined;
}

/** Appends to the agent's transcript, merging with the last segment of the same kind. */
function appendSegment(agent, kind, content) {
  const last = agent.segments[agent.segments.length - 1];
  if (last && last.kind === kind && (kind === 'text' || kind === 'reasoning')) last.content += content;
  else {
    agent.segments.push({ kind, content });
    if (agent.segments.length > MAX_SEGMENTS) agent.segments.shift();
  }
  if (kind === 'text') agent.textChars += content.length;
}

function setState(agent, state) {
  if (agent) agent.state = state;
}

/** After a tool call or delegation ends, the agent is back at its model (or still busy with others). */
function settle(agent) {
  if (ENDED.has(agent.state)) return;
  agent.state = agent.pendingTools > 0 ? 'using a tool' : agent.pendingDelegations > 0 ? 'delegating' : 'thinking';
}

function applyLlm(model, agent, action, data) {
  if (!agent) return;
  if (action === 'stream' || action === 'reasoning') {
    appendSegment(agent, action === 'stream' ? 'text' : 'reasoning', String(data.content ?? ''));
    if (!ENDED.has(agent.state) && agent.pendingTools === 0 && agent.pendingDelegations === 0) agent.state = 'thinking';
  } else if (action === 'tool_call') {
    model.toolCalls += 1;
    appendSegment(agent, 'tool_call', { name: data.tool_name, input: data.input });
    // A supervisor's tool calls are delegations (the dispatch event follows and counts them).
    if (agent.type === 'worker') {
      agent.pendingTools += 1;
      agent.state = 'using a tool';
    }
  } else if (action === 'turn_restarted') {
    // The turn in flight at the move is issued again: what it had streamed stays above this mark.
    appendSegment(agent, 'error', 'model turn restarted after the run moved to another process');
    if (!ENDED.has(agent.state)) agent.state = 'thinking';
  } else if (action === 'tool_result') {
    if (data.is_error) model.toolErrors += 1;
    appendSegment(agent, 'tool_result', { name: data.tool_name, result: data.result, isError: Boolean(data.is_error) });
    if (agent.type === 'worker') {
      agent.pendingTools = Math.max(0, agent.pendingTools - 1);
      settle(agent);
    }
  }
}

function applyDispatch(model, supervisor, action, data) {
  const target = action.startsWith('team')
    ? findAgent(model, 'team_supervisor', data.team_name)
    : findAgent(model, 'worker', data.team_name, data.worker_name);
  if (action === 'team' || action === 'worker') {
    if (supervisor) {
      supervisor.pendingDelegations += 1;
      supervisor.state = 'delegating';
    }
    if (target) {
      target.state = 'thinking';
      appendSegment(target, 'task', String(data.task ?? ''));
    }
    return;
  }
  // team_completed / worker_completed
  if (supervisor) {
    supervisor.pendingDelegations = Math.max(0, supervisor.pendingDelegations - 1);
    settle(supervisor);
  }
  if (target && !data.deduplicated) {
    const status = data.outcome?.status ?? data.status;
    target.state = status === 'cancelled' ? 'cancelled' : data.ok === false || (status && status !== 'completed') ? 'failed' : 'done';
    if (data.outcome) target.outcome = data.outcome;
  }
}

/** The agents a budget scope names: `run` none (the run's own), `team:<name>` its supervisor, `agent:<id>` that agent. */
function agentsOfScope(model, scope) {
  if (typeof scope !== 'string') return [];
  if (scope.startsWith('agent:')) return model.agents.has(scope.slice(6)) ? [model.agents.get(scope.slice(6))] : [];
  if (scope.startsWith('team:')) {
    const lead = findAgent(model, 'team_supervisor', scope.slice(5));
    return lead ? [lead] : [];
  }
  return [];
}

function applyControl(model, agent, category, action, data, sequence) {
  if (category === 'agent' && action === 'cancelled') {
    // Each agent of a cancelled subtree records its own stop (cancelled_by names the one asked for).
    const target = model.agents.get(data.agent_id) ?? agent;
    if (!target) return;
    target.state = 'cancelled';
    target.pendingTools = 0;
    target.pendingDelegations = 0;
    if (data.outcome) target.outcome = data.outcome;
    appendSegment(target, 'control', `cancelled (${data.mode ?? 'hard'}${data.cancelled_by && data.cancelled_by !== target.id ? `, with ${data.cancelled_by}` : ''})`);
  } else if (category === 'agent' && action === 'steered') {
    const target = model.agents.get(data.agent_id) ?? agent;
    if (target) appendSegment(target, 'control', `steered: ${String(data.message ?? '')}`);
  } else if (category === 'budget') {
    const alert = { level: action, scope: data.scope ?? 'run', limit: data.limit ?? null, spent: data.spent ?? null, max: data.max ?? null, sequence };
    model.budgetAlerts.push(alert);
    for (const target of agentsOfScope(model, alert.scope)) target.budgetAlerts.push(alert);
  } else if (category === 'human' && action === 'requested' && data.request_id !== undefined) {
    model.humanRequests.set(String(data.request_id), { ...data, request_id: String(data.request_id), responded: null });
    const target = model.agents.get(data.agent_id) ?? agent;
    if (target && !ENDED.has(target.state)) target.state = 'waiting input';
  } else if (category === 'human' && (action === 'responded' || action === 'withdrawn') && data.request_id !== undefined) {
    const request = model.humanRequests.get(String(data.request_id));
    if (request) request.responded = data;
    const target = model.agents.get(request?.agent_id ?? data.agent_id) ?? agent;
    if (target && target.state === 'waiting input') settle(target);
  }
}

function applyLifecycle(model, action, data) {
  const global = model.topology ? model.agents.get(model.topology.global_supervisor.agent_id) : undefined;
  if (action === 'started') {
    setState(global, 'thinking');
    return;
  }
  if (action === 'resumed') {
    // The run moved to another process (its owner was lost or shut down) and goes on from its checkpoint.
    model.resumes.push({ sequence: model.lastSequence, resume: data.resume ?? model.resumes.length + 1, fromProcess: data.from_process ?? null, checkpointSequence: data.checkpoint_sequence ?? null });
    return;
  }
  model.terminal = { status: action, result: data.result ?? null, error: data.error ?? null, statistics: data.statistics ?? data.details?.statistics ?? null };
  const ended = action === 'completed' ? 'done' : action;
  // Agents still busy when the run ends share its fate; those never started were skipped.
  for (const agent of model.agents.values()) {
    if (agent.state === 'waiting') agent.state = 'skipped';
    else if (!ENDED.has(agent.state)) agent.state = ended;
    agent.pendingTools = 0;
    agent.pendingDelegations = 0;
  }
  // A run that ended answered (or dropped) every request it waited on.
  for (const request of model.humanRequests.values()) request.responded ??= { ended: action };
  setState(global, ended);
}

/** Applies a batch of parsed events in order; a sequence already seen is dropped. */
export function applyEvents(model, events) {
  for (const event of events) {
    if (event.sequence <= model.lastSequence) {
      model.duplicates += 1;
      continue;
    }
    if (event.sequence !== model.lastSequence + 1) model.gaps += event.sequence - model.lastSequence - 1;
    model.lastSequence = event.sequence;
    model.events.push(event);
    model.firstAt ??= event.timestamp;
    model.lastAt = event.timestamp;
    const { category, action } = event.event;
    model.byCategory[category] = (model.byCategory[category] ?? 0) + 1;
    const key = `${event.source?.agent_id ?? 'run'}/${category}`;
    model.byAgentCategory.set(key, (model.byAgentCategory.get(key) ?? 0) + 1);
    const agent = agentOf(model, event.source);
    if (agent) agent.events += 1;
    if (category === 'system' && action === 'topology') applyTopology(model, event.data.topology);
    else if (category === 'system' && action === 'error') {
      if (agent) appendSegment(agent, 'error', String(event.data.error ?? ''));
    } else if (category === 'llm') applyLlm(model, agent, action, event.data);
    else if (category === 'dispatch') applyDispatch(model, agent, action, event.data);
    else if (category === 'lifecycle') applyLifecycle(model, action, event.data);
    else if (category === 'agent' || category === 'budget' || category === 'human') applyControl(model, agent, category, action, event.data ?? {}, event.sequence);
  }
  model.version += 1;
}

/** The agents as a tree: [{agent, children: [{agent, children}]}] from the global supervisor down. */
export function agentTree(model) {
  const nodes = new Map(model.order.map((id) => [id, { agent: model.agents.get(id), children: [] }]));
  const roots = [];
  for (const node of nodes.values()) {
    const parent = node.agent.parent ? nodes.get(node.agent.parent) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** Unanswered requests: the recorded ones, and those streamed since, minus any answered. */
export function pendingRequests(run, model, answeredHere) {
  const byId = new Map();
  for (const p of Array.isArray(run?.pending_inputs) ? run.pending_inputs : []) {
    if (p && p.request_id !== undefined) byId.set(String(p.request_id), { ...p, request_id: String(p.request_id) });
  }
  for (const [id, request] of model.humanRequests) {
    if (request.responded) byId.delete(id);
    else if (!byId.has(id)) byId.set(id, request);
  }
  for (const id of answeredHere) byId.delete(id);
  return [...byId.values()];
}
