// Asks for a run page's data while the rest of the viewer's modules are still loading: this
// module's graph is five small files without the libraries (an async module script), so it runs
// as soon as they are here, and the run, its trace and its whole history are on their way before
// app.js's graph has even loaded. Each is taken once by the page that asks the same (api.js's
// startEarly); a page that asks otherwise (another key, tenant or run) asks anew.
import { prefetch } from './api.js';
import { loadSettings } from './settings-store.js';
import { routeOf } from './route.js';
import { prefetchHistory } from './run-stream.js';

const { runId } = routeOf(location.hash);
if (runId !== null) {
  const settings = loadSettings();
  prefetch(settings, 'runs/get', { id: runId });
  prefetch(settings, 'runs/trace', { id: runId });
  prefetchHistory(settings, runId);
}
