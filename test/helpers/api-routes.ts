import type { ApiRoute } from '../../src/http/api-route.ts';
import { modelRoutes } from '../../src/http/routes/model-routes.ts';
import { hierarchyRoutes } from '../../src/http/routes/hierarchy-routes.ts';
import { mcpServerRoutes } from '../../src/http/routes/mcp-server-routes.ts';
import { secretRoutes } from '../../src/http/routes/secret-routes.ts';
import { runRoutes } from '../../src/http/routes/run-routes.ts';
import { traceRoutes } from '../../src/http/routes/trace-routes.ts';
import { inspectRoutes } from '../../src/http/routes/inspect-routes.ts';
import { threadRoutes } from '../../src/http/routes/thread-routes.ts';
import { humanInputRoutes } from '../../src/http/routes/human-input-routes.ts';
import { agentRoutes } from '../../src/http/routes/agent-routes.ts';
import { executeRoutes } from '../../src/http/routes/execute-route.ts';
import { modelCheckRoutes } from '../../src/http/routes/model-check-route.ts';
import { STRICT_OUTBOUND } from '../../src/outbound/outbound-policy.ts';

/**
 * Every route of the API, for tests that only read their definitions (schemas, examples,
 * documentation) and never call them: built without services. A test comparing these with the
 * served document's paths catches a route mounted in compose.ts but missing here.
 */
export function allApiRoutes(): ApiRoute[] {
  const policy = { envAllowed: [], outbound: STRICT_OUTBOUND };
  return [
    ...modelRoutes(policy), ...hierarchyRoutes, ...mcpServerRoutes(policy), ...secretRoutes,
    ...runRoutes(null as never, null as never, {} as never), ...traceRoutes(null as never), ...inspectRoutes(null as never, {}), ...threadRoutes(null as never), ...humanInputRoutes(null as never),
    ...agentRoutes(null as never), ...executeRoutes(null as never), ...modelCheckRoutes({ timeoutMs: 1000 } as never),
  ];
}
