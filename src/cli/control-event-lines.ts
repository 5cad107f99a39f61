import type { RunEventJson } from './run-stream.ts';

/**
 * The progress lines of the events of agent control (agent.*), budgets (budget.*) and human
 * input (human.*). Fields are read defensively: an older or newer server may send fewer or more.
 */

function flat(text: unknown, max: number): string {
  const s = (typeof text === 'string' ? text : text === undefined || text === null ? '' : JSON.stringify(text)).replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Quotes an argument for a POSIX shell when it needs it, so a printed command can be pasted as is. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_.:/=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `run budget max_tokens: 8,000 of 10,000 (80%)` */
function budgetLine(d: Record<string, any>): string {
  const scope = typeof d.scope === 'string' ? d.scope : 'run';
  const limit = typeof d.limit === 'string' ? ` ${d.limit}` : '';
  const spent = typeof d.spent === 'number' ? d.spent : undefined;
  const max = typeof d.max === 'number' ? d.max : undefined;
  const share = spent !== undefined && max ? ` (${Math.round((spent / max) * 100)}%)` : '';
  const figures = spent !== undefined && max !== undefined ? `: ${spent.toLocaleString('en')} of ${max.toLocaleString('en')}${share}` : '';
  return `${scope} budget${limit}${figures}`;
}

/** How the `cadre respond` command to answer a request starts (`cadre`, plus --url/--tenant when they are not the defaults; never the key). */
export type RespondPrefix = string;

/** The command that answers a human request, ready to paste. */
export function respondCommandFor(prefix: RespondPrefix, runId: number, d: Record<string, any>): string {
  const base = `${prefix} respond ${runId} ${shellQuote(String(d.request_id ?? '<request_id>'))}`;
  return d.kind === 'question' ? `${base} --answer '<your answer>'` : `${base} --approve   (or: --deny --message '<why>')`;
}

/** The line for one agent/budget/human event, or undefined for another (or unknown) one. */
export function controlEventLine(e: RunEventJson, who: string, prefix: RespondPrefix): string | undefined {
  const d = e.data ?? {};
  switch (`${e.event.category}.${e.event.action}`) {
    case 'agent.cancelled': {
      const by = typeof d.cancelled_by === 'string' && d.cancelled_by !== d.agent_id ? ` with ${d.cancelled_by}` : '';
      const partial = typeof d.outcome?.partial_output === 'string' && d.outcome.partial_output.length > 0
        ? `, kept ${d.outcome.partial_output.length} chars of partial output` : '';
      return `${who} cancelled (${flat(d.mode, 20) || 'hard'}${by})${partial}`;
    }
    case 'agent.steered':
      return `${who} steered: "${flat(d.message, 80)}" (for its next model turn)`;
    case 'budget.warning':
      return `budget warning: ${budgetLine(d)}`;
    case 'budget.exhausted':
      return `budget exhausted: ${budgetLine(d)} — ${typeof d.scope === 'string' && d.scope !== 'run' ? 'that subtree stops' : 'the run stops'}`;
    case 'human.requested': {
      const asks = d.kind === 'question'
        ? `asks: "${flat(d.question, 100)}"`
        : `asks to approve ${flat(d.tool_name, 40) || 'a tool call'}(${flat(d.arguments, 60)})`;
      return `${who} ${asks} — answer with: ${respondCommandFor(prefix, e.run_id, d)}`;
    }
    case 'human.responded': {
      const verdict = typeof d.answer === 'string' ? `answered "${flat(d.answer, 60)}"`
        : d.approve === true || d.approved === true ? 'approved' : d.approve === false || d.approved === false ? 'denied' : 'answered';
      const message = typeof d.message === 'string' && d.message ? ` (${flat(d.message, 60)})` : '';
      return `request ${flat(d.request_id, 40)} ${verdict}${message}`;
    }
    default:
      return undefined;
  }
}
