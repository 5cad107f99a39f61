import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.ts';
import { startTracing } from '../src/telemetry/tracing.ts';

test('tracing is off by default and turned on by the standard OTEL_* variables', (t) => {
  t.deepEqual(loadConfig({}).tracing, { exporter: 'none', serviceName: 'cadre' });
  t.is(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp' }).tracing.exporter, 'otlp');
  t.is(loadConfig({ OTEL_TRACES_EXPORTER: 'console' }).tracing.exporter, 'console');
  // An endpoint alone asks for OTLP; an explicit `none` wins over it.
  t.is(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing.exporter, 'otlp');
  t.is(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }).tracing.exporter, 'otlp');
  t.is(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing.exporter, 'none');
  t.is(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).tracing.exporter, 'none');
  t.is(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'True' }).tracing.exporter, 'none');
  t.is(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'false' }).tracing.exporter, 'otlp');
  t.is(loadConfig({ OTEL_SERVICE_NAME: 'cadre-eu-1' }).tracing.serviceName, 'cadre-eu-1');
  t.throws(() => loadConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }), { message: /^OTEL_TRACES_EXPORTER:/ });
  t.is(startTracing({ exporter: 'none', serviceName: 'cadre' }, '1.0.0'), null);
});

test('with OTLP on, spans reach the endpoint OTEL_EXPORTER_OTLP_TRACES_ENDPOINT names, with the service name', async (t) => {
  const received: Array<{ path: string; type: string; body: string }> = [];
  const collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => collector.close(() => resolve())));
  const { port } = collector.address() as AddressInfo;
  // The exporter reads its endpoint from the environment, as it would in production (this file runs in its own worker).
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `http://127.0.0.1:${port}/v1/traces`;
  const tracing = startTracing({ exporter: 'otlp', serviceName: 'cadre-otlp-test' }, '9.9.9');
  t.truthy(tracing);
  tracing!.tracer.startSpan('probe span', { attributes: { 'cadre.run_id': 42 } }).end();
  // Shutting down flushes the batch processor: the export has completed when it resolves.
  await tracing!.shutdown();
  t.is(received.length, 1);
  const [request] = received;
  t.is(request!.path, '/v1/traces');
  t.regex(request!.type, /^application\/json/);
  const body = JSON.parse(request!.body);
  const resource = body.resourceSpans[0].resource.attributes as Array<{ key: string; value: { stringValue?: string } }>;
  t.is(resource.find((a) => a.key === 'service.name')?.value.stringValue, 'cadre-otlp-test');
  t.is(resource.find((a) => a.key === 'service.version')?.value.stringValue, '9.9.9');
  const spans = body.resourceSpans[0].scopeSpans[0].spans as Array<{ name: string }>;
  t.deepEqual(spans.map((s) => s.name), ['probe span']);
});
