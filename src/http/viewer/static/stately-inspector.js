// "Open in Stately Inspector": the run's inspection events, sent to Stately's inspector window by
// the protocol @statelyai/inspect's browser inspector (createBrowserInspector) uses — open the
// inspector's URL as the window named `xstateinspector`, wait for its `@statelyai.connected`
// message, then postMessage each event (the wire events are already the package's, as JSON).
// The package itself is not served: its browser build imports several other packages, and the
// viewer has no bundler; the protocol is all of it that a page sending events needs.

export const STATELY_INSPECTOR_URL = 'https://stately.ai/inspect';

/**
 * Opens the inspector and keeps it fed: `backlog()` is what was seen so far (sent once it is
 * connected), `subscribe(send)` hands on what comes next. Answers how to stop, or null when the
 * browser refused the window (a popup blocker).
 */
export function openStatelyInspector({ backlog, subscribe, url = STATELY_INSPECTOR_URL }) {
  const target = window.open(url, 'xstateinspector');
  if (!target) return null;
  let connected = false;
  const post = (event) => target.postMessage(event, '*');
  const onMessage = (e) => {
    if (e.source !== target || e.data?.type !== '@statelyai.connected') return;
    // A reload of the inspector connects again: it is told everything again.
    connected = true;
    for (const event of backlog()) post(event);
  };
  window.addEventListener('message', onMessage);
  const unsubscribe = subscribe((batch) => {
    if (!connected || target.closed) return;
    for (const event of batch) post(event);
  });
  return () => {
    window.removeEventListener('message', onMessage);
    unsubscribe();
    if (!target.closed) post({ type: '@statelyai.disconnected' });
  };
}
