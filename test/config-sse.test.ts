import test from 'ava';
import { loadConfig } from '../src/config.ts';

test('SSE bounds: defaults, overrides, and bad values named', (t) => {
  t.like(loadConfig({}), { sseMaxBufferedFrames: 10_000, sseMaxBufferedBytes: 8 * 1024 * 1024, sseMaxConnections: 20_000 });
  t.like(loadConfig({ SSE_MAX_BUFFERED_BYTES: '1048576', SSE_MAX_CONNECTIONS: '500' }), { sseMaxBufferedBytes: 1_048_576, sseMaxConnections: 500 });
  // A bound of a few bytes would cut off any client whose socket fills for a moment.
  t.throws(() => loadConfig({ SSE_MAX_BUFFERED_BYTES: '1000' }), { message: /^SSE_MAX_BUFFERED_BYTES:/ });
  t.throws(() => loadConfig({ SSE_MAX_CONNECTIONS: '0' }), { message: /^SSE_MAX_CONNECTIONS:/ });
  t.throws(() => loadConfig({ SSE_MAX_CONNECTIONS: 'many' }), { message: /^SSE_MAX_CONNECTIONS:/ });
});
