// Per agent card: cancel its subtree (hard or graceful) and steer its next model turn, through
// runs/agents/cancel and runs/agents/steer with the settings' key and tenant. Shown only while
// they apply: the run not ended and the agent not stopped (a done or failed agent may still be
// given another task, so it keeps them); the note of the last action stays.
import { html, clip } from './format.js';
import { useState } from 'preact/hooks';
import { call } from './api.js';

export function AgentControls({ settings, runId, agent, live }) {
  const [mode, setMode] = useState('hard');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(null);
  const [note, setNote] = useState(null);
  const stopped = agent.state === 'cancelled';
  const act = async (what, action, body) => {
    setBusy(what);
    setNote(null);
    try {
      const answer = await call(settings, action, { id: runId, agent_id: agent.id, ...body });
      setNote({ ok: true, text: answer.status === 'stopped' ? `stopped: ${answer.outcome?.status ?? 'cancelled'}` : 'steered: its next model turn gets the message' });
      if (what === 'steer') setMessage('');
    } catch (err) {
      setNote({ ok: false, text: `${what}: ${err.message}${err.code ? ` (${err.code})` : ''}` });
    } finally {
      setBusy(null);
    }
  };
  const steer = (e) => {
    e.preventDefault();
    if (message.trim()) void act('steer', 'runs/agents/steer', { message: message.trim() });
  };
  const applies = live && !stopped;
  if (!applies && !note) return null;
  return html`<div class="agent-controls-box">
    ${applies && html`<form class="agent-controls" onSubmit=${steer}>
      <select data-testid="cancel-mode" value=${mode} onChange=${(e) => setMode(e.currentTarget.value)}
        title="hard: at once, aborting its calls; graceful: after its model turn in progress">
        <option value="hard">hard</option><option value="graceful">graceful</option>
      </select>
      <button type="button" class="danger" data-testid="agent-cancel" disabled=${busy !== null}
        onClick=${() => act('cancel', 'runs/agents/cancel', { mode })}>${busy === 'cancel' ? 'Cancelling…' : 'Cancel'}</button>
      <input data-testid="steer-message" placeholder="message for its next turn" maxlength="20000" value=${message}
        onInput=${(e) => setMessage(e.currentTarget.value)}/>
      <button type="submit" data-testid="agent-steer" disabled=${busy !== null || !message.trim()}>${busy === 'steer' ? 'Steering…' : 'Steer'}</button>
    </form>`}
    ${note && html`<p class=${`control-note${note.ok ? '' : ' error'}`} data-testid="control-note">${clip(note.text, 300)}</p>`}
  </div>`;
}
