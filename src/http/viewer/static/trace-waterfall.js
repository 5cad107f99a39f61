// The run's trace as a waterfall: one row per span (agent task, model call, tool call, wait for
// a human), indented as the actor tree, a bar on the run's time axis, and the row's latency,
// tokens, cost and error. The spans come from runs/trace, the server's one trace builder (the
// page does not fold events into spans a second time). While the run is live the page already
// follows its stream, so the trace is asked for again only when events came in, at most once a
// second; once the run ended, one last time.
import { html, formatDuration, formatNumber, clip } from './format.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from './api.js';
import { LazyPart } from './lazy-module.js';

/** A span's detail is loaded when a span is first clicked. */
const loadSpanDetail = () => import('./span-detail.js');

const REFRESH_MS = 1000;
/** Rows drawn at most (a trace has up to 5,000 spans); the rest are counted, not drawn. */
const MAX_ROWS = 2000;
const KIND_LABELS = { run: 'run', agent_task: 'task', model_call: 'model', tool_call: 'tool', human_wait: 'human' };

/** Fetches runs/trace now, again while live whenever `version` moved (at most every REFRESH_MS), and once more at the end. */
function useTrace(settings, runId, live, version) {
  const [trace, setTrace] = useState(null);
  const [error, setError] = useState(null);
  const state = useRef({ inFlight: false, again: false, fetchedAt: -1, wanted: 0, stopped: false });
  const fetchTrace = async () => {
    const s = state.current;
    // One request at a time; one asked for meanwhile (the run's end) follows it.
    if (s.inFlight) {
      s.again = true;
      return;
    }
    s.inFlight = true;
    const asked = s.wanted;
    try {
      const answer = await call(settings, 'runs/trace', { id: runId });
      if (!s.stopped) {
        setTrace(answer);
        setError(null);
      }
    } catch (err) {
      if (!s.stopped) setError(`trace: ${err.message}`);
    } finally {
      s.inFlight = false;
      s.fetchedAt = asked;
      if (s.again && !s.stopped) {
        s.again = false;
        void fetchTrace();
      }
    }
  };
  useEffect(() => {
    state.current.stopped = false;
    return () => { state.current.stopped = true; };
  }, []);
  useEffect(() => {
    state.current.wanted = version;
  }, [version]);
  useEffect(() => {
    void fetchTrace();
    if (!live) return undefined;
    const timer = setInterval(() => {
      if (state.current.wanted !== state.current.fetchedAt) void fetchTrace();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [settings, runId, live]);
  return [trace, error];
}

/** The spans in tree order (each parent before its children, siblings by start), with their depth. */
export function spanRows(spans) {
  const children = new Map();
  const ids = new Set(spans.map((s) => s.span_id));
  for (const span of spans) {
    const parent = span.parent_id !== null && ids.has(span.parent_id) ? span.parent_id : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(span);
  }
  const rows = [];
  const visit = (parent, depth) => {
    const list = (children.get(parent) ?? []).slice().sort((a, b) => a.start_ms - b.start_ms || a.first_sequence - b.first_sequence);
    for (const span of list) {
      rows.push({ span, depth });
      visit(span.span_id, depth + 1);
    }
  };
  visit(null, 0);
  return rows;
}

function tokens(usage) {
  if (!usage) return '';
  return `${formatNumber(usage.input_tokens)} → ${formatNumber(usage.output_tokens)}`;
}

function cost(usd) {
  if (usd == null || usd === 0) return '';
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

function Bar({ span, scale }) {
  const end = span.end_ms ?? scale;
  const left = (span.start_ms / scale) * 100;
  const width = Math.max(0.3, ((end - span.start_ms) / scale) * 100);
  return html`<div class="trace-track"><div class=${`trace-bar kind-${span.kind} st-${span.status}`} style=${`left:${left}%;width:${Math.min(width, 100 - left)}%`}
    title=${`${formatDuration(span.start_ms)} → ${span.end_ms == null ? 'now' : formatDuration(span.end_ms)}`}></div></div>`;
}

function Axis({ scale }) {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return html`<div class="trace-axis">${ticks.map((f) => html`<span style=${`left:${f * 100}%`}>${formatDuration(f * scale)}</span>`)}</div>`;
}

function Totals({ trace }) {
  const t = trace.totals;
  return html`<dl class="trace-totals" data-testid="trace-totals">
    <dt>wall time</dt><dd data-testid="trace-wall">${formatDuration(t.wall_ms)}</dd>
    <dt>agent time (summed)</dt><dd data-testid="trace-agent-time">${formatDuration(t.agent_task_ms)}</dd>
    <dt>model calls</dt><dd>${formatNumber(t.model_calls)} · ${formatDuration(t.model_ms)}</dd>
    <dt>tool calls</dt><dd>${formatNumber(t.tool_calls)}</dd>
    <dt>tokens</dt><dd>${formatNumber(t.input_tokens)} in · ${formatNumber(t.output_tokens)} out</dd>
    <dt>cost</dt><dd>${t.cost_usd > 0 ? cost(t.cost_usd) : '–'}</dd>
    <dt>errors</dt><dd class=${t.errors > 0 ? 'trace-has-errors' : ''} data-testid="trace-errors">${t.errors}</dd>
  </dl>`;
}

function TraceLink({ trace }) {
  if (!trace.trace_id) return html`<span class="muted">no OpenTelemetry trace (tracing off)</span>`;
  return trace.trace_url
    ? html`<a href=${trace.trace_url} target="_blank" rel="noopener noreferrer" data-testid="trace-link">OpenTelemetry trace ${trace.trace_id} ↗</a>`
    : html`<span class="muted" data-testid="trace-link">OpenTelemetry trace <code>${trace.trace_id}</code> (set TRACE_URL_TEMPLATE to link it)</span>`;
}

export function TraceWaterfall({ settings, runId, live, version }) {
  const [trace, error] = useTrace(settings, runId, live, version);
  const [selected, setSelected] = useState(null);
  if (!trace) {
    return html`<section class="card trace" data-testid="trace"><header><strong>Trace</strong></header>
      ${error ? html`<p class="error">${error}</p>` : html`<p class="muted">Loading the trace…</p>`}</section>`;
  }
  const rows = spanRows(trace.spans);
  const scale = Math.max(1, trace.now_ms);
  const shown = rows.slice(0, MAX_ROWS);
  const chosen = selected && trace.spans.find((s) => s.span_id === selected);
  return html`<section class="card trace" data-testid="trace">
    <header><strong>Trace</strong> <span class="muted">${trace.spans.length} spans${trace.truncated ? ' (truncated: the run has more)' : ''}</span>
      <${TraceLink} trace=${trace}/></header>
    ${error && html`<p class="error">${error}</p>`}
    <${Totals} trace=${trace}/>
    ${rows.length === 0 ? html`<p class="muted">No spans yet: the run has not started.</p>` : html`<div class="trace-grid" data-testid="trace-rows">
      <div class="trace-row trace-head"><span class="trace-name">span</span><${Axis} scale=${scale}/><span class="num">latency</span><span class="num">tokens in → out</span><span class="num">cost</span></div>
      ${shown.map(({ span, depth }) => html`<div key=${span.span_id}
          class=${`trace-row kind-${span.kind} st-${span.status}${span.span_id === selected ? ' selected' : ''}`}
          data-testid="trace-row" data-span=${span.span_id} data-parent=${span.parent_id ?? ''} data-kind=${span.kind} data-depth=${depth} data-status=${span.status}
          onClick=${() => setSelected(span.span_id === selected ? null : span.span_id)} title=${span.error ?? ''}>
        <span class="trace-name" style=${`padding-left:${depth * 14}px`}>
          <span class="trace-kind">${KIND_LABELS[span.kind] ?? span.kind}</span>
          <span class="trace-label">${span.kind === 'model_call' && span.agent_name ? `${span.agent_name}: ` : ''}${span.name}</span>
          ${span.status === 'error' && html`<span class="trace-error" data-testid="trace-row-error">${clip(span.error ?? 'error', 60)}</span>`}
          ${span.status === 'cancelled' && html`<span class="trace-cancelled">cancelled</span>`}
        </span>
        <${Bar} span=${span} scale=${scale}/>
        <span class="num">${span.duration_ms == null ? html`<em>running</em>` : formatDuration(span.duration_ms)}</span>
        <span class="num">${tokens(span.usage)}</span>
        <span class="num">${cost(span.cost_usd)}</span>
      </div>`)}
      ${rows.length > shown.length && html`<p class="muted">${rows.length - shown.length} more spans not drawn</p>`}
    </div>`}
    ${chosen && html`<${LazyPart} key=${chosen.span_id} load=${loadSpanDetail} name="SpanDetail" label="the span's detail" props=${{ settings, runId, span: chosen, onClose: () => setSelected(null) }}/>`}
  </section>`;
}
