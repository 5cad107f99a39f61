// "Run again": a new run with the ended run's hierarchy, task and budget (not its thread: the new
// run starts on its own rather than become the thread's next turn), then its page.
import { html } from './format.js';
import { useState } from 'preact/hooks';
import { call } from './api.js';

export function RunAgain({ settings, run }) {
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState(null);
  const again = async () => {
    setStarting(true);
    setError(null);
    try {
      const started = await call(settings, 'runs/start', { hierarchy_id: run.hierarchy_id, task: run.task, ...(run.budget && { budget: run.budget }) });
      location.hash = `#/runs/${started.id}`;
    } catch (err) {
      setError(`run again: ${err.message}`);
      setStarting(false);
    }
  };
  return html`<button type="button" data-testid="run-again" disabled=${starting} onClick=${again}
      title="start a new run with the same hierarchy, task and budget">${starting ? 'Starting…' : 'Run again'}</button>
    ${error && html`<p class="error" data-testid="run-again-error">${error}</p>`}`;
}
