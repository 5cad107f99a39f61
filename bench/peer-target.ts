/**
 * Issue 22's target 6 — a peer measured side by side — judged on this run's `peer` rows: met when
 * events/s, CPU per event, p99 and memory per run are all measured for both sides; each figure
 * says whether Cadre is ahead of the peer or behind it (the figures themselves are not a target).
 */
import type { Row } from './scenarios/context.ts';
import type { TargetCheck } from './issue-targets.ts';

const PEER = 'langgraph';
const TARGET = 'a peer side by side (LangGraph JS API server): events/s, CPU per event, p99, memory per run';

/** [metric, unit, whether a higher figure is better] of the rows compared. */
const FIGURES: ReadonlyArray<[string, string, boolean]> = [
  ['events/s delivered', '/s', true],
  ['server CPU per delivered event', ' µs', false],
  ['delivery p99', ' ms', false],
  ['RSS per live run', ' KB', false],
  ['heap per live run', ' KB', false],
];

export function judgePeer(rows: Row[]): TargetCheck {
  const peerRows = rows.filter((r) => r.scenario === 'peer');
  if (peerRows.length === 0) return { target: TARGET, measured: 'not measured (peer scenario not run)', status: 'not measured' };
  const parts: string[] = [];
  let complete = true;
  for (const [metric, unit, higherBetter] of FIGURES) {
    const r = peerRows.find((x) => x.metric === metric);
    const cadre = r?.values.cadre;
    const peer = r?.values[PEER];
    if (cadre == null || peer == null) {
      complete = false;
      parts.push(`${metric}: not measured`);
      continue;
    }
    const ahead = higherBetter ? cadre > peer : cadre < peer;
    parts.push(`${metric} ${cadre.toLocaleString('en-US')}${unit} vs ${peer.toLocaleString('en-US')}${unit} (${ahead ? 'ahead' : 'BEHIND'})`);
  }
  return { target: TARGET, measured: parts.join('; '), status: complete ? 'met' : 'not measured' };
}
