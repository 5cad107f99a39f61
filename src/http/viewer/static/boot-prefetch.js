// Asks for a run page's data while the rest of the viewer's modules are still loading: this
// module's graph is small and runs as soon as it is here (an async module script), so the run,
// its trace and the first pages of its history are on their way ~half a second before app.js
// could ask. call() takes each answer once (api.js); a page that asks otherwise asks anew.
import { prefetch } from './api.js';
import { loadSettings } from './settings.js';
import { historyPageBody, HISTORY_PAGE, HISTORY_PARALLEL } from './run-stream.js';

const run = /^#\/runs\/(\d+)$/.exec(location.hash.split('?')[0]);
if (run) {
  const settings = loadSettings();
  const id = Number(run[1]);
  prefetch(settings, 'runs/get', { id });
  prefetch(settings, 'runs/trace', { id });
  for (let k = 0; k < HISTORY_PARALLEL; k += 1) prefetch(settings, 'runs/events', historyPageBody(id, 1 + k * HISTORY_PAGE));
}
