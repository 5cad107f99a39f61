import type { Tracer } from '@opentelemetry/api';
import { BatchSpanProcessor, ConsoleSpanExporter, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/** Which exporter the OTEL_* settings ask for; `none` turns tracing off. */
export type TracesExporter = 'otlp' | 'console' | 'none';

export interface TracingSettings {
  exporter: TracesExporter;
  serviceName: string;
}

export interface Tracing {
  tracer: Tracer;
  /** Exports the spans still buffered, then stops (call at shutdown). */
  shutdown(): Promise<void>;
}

/**
 * The process's tracer, or null when tracing is off — then no span is ever created, so it costs
 * nothing. The tracer is handed to compose, not registered globally: Cadre's spans are parented
 * explicitly, and nothing reads an ambient provider. The OTLP exporter reads its own standard
 * settings (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, …)
 * and the resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
 */
export function startTracing(settings: TracingSettings, version: string | undefined): Tracing | null {
  if (settings.exporter === 'none') return null;
  const exporter: SpanExporter = settings.exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter();
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, ...(version && { [ATTR_SERVICE_VERSION]: version }) }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new TracerProvider({ resource, spanProcessors: [new BatchSpanProcessor({ exporter })] });
  return { tracer: provider.getTracer('cadre', version), shutdown: () => provider.shutdown() };
}
