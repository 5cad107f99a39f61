// Panels a page does not show when it opens (the inspector, time travel, a span's detail, the
// compare page) are loaded by import() the first time they are wanted: ~10 fewer modules to
// fetch and evaluate before a run page's first paint. The browser keeps each module once.
import { html } from './format.js';
import { useEffect, useState } from 'preact/hooks';

/** `load()`'s module once it is here, and why not if it failed. */
export function useLazyModule(load) {
  const [state, setState] = useState({ module: null, error: null });
  useEffect(() => {
    let current = true;
    load().then((module) => current && setState({ module, error: null }), (err) => current && setState({ module: null, error: err }));
    return () => { current = false; };
  }, [load]);
  return state;
}

/** Renders `name` of the lazily loaded module with `props`; a line saying it is loading, or why it failed. */
export function LazyPart({ load, name, props, label }) {
  const { module, error } = useLazyModule(load);
  if (error) return html`<p class="error" data-testid="lazy-error">${label} could not be loaded: ${error.message}</p>`;
  if (!module) return html`<p class="muted">Loading ${label}…</p>`;
  const Part = module[name];
  return html`<${Part} ...${props}/>`;
}
