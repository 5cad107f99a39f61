import type Router from '@koa/router';
import type { TenantRepositories } from '../domain/repositories.ts';
import type { BodyLimits } from './json-body.ts';

/** What the app hands a protocol adapter when it mounts it. */
export interface ProtocolMountDeps {
  repositories(tenantId: string): TenantRepositories;
  bodyLimits: BodyLimits;
}

/**
 * A protocol adapter (A2A, the LangGraph SDK's API) mounted beside the native API. It speaks its
 * own wire format (its own bodies and errors, not the envelope), so it registers raw routes on the
 * router; it owns no state of its own and reaches runs only through the services it was made with.
 * API keys and CORS apply to its routes as to every other.
 */
export interface ProtocolMount {
  /** Shown in logs and the OpenAPI tags. */
  name: string;
  mount(router: Router, deps: ProtocolMountDeps): void;
  /** OpenAPI path items of its routes, merged into the document's `paths`. */
  openApiPaths?(): Record<string, object>;
}
