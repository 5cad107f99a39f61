import type { Context } from 'koa';
import type Router from '@koa/router';
import type { ProtocolMount, ProtocolMountDeps } from '../protocol-mount.ts';
import { readJsonBody } from '../json-body.ts';
import { resolveTenant } from '../tenant.ts';
import { ValidationError } from '../../errors/app-error.ts';
import { answerError } from './lg-errors.ts';
import type { LgCall, LgServices } from './lg-services.ts';
import { assistantRoutes } from './lg-assistants.ts';
import { threadRoutes } from './lg-threads.ts';
import { runRoutes } from './lg-runs.ts';
import { lgOpenApiPaths } from './lg-openapi.ts';

/** Where the adapter is mounted: a LangGraph client's apiUrl is `<cadre>/lg`. */
export const LG_PREFIX = '/lg';

export type LgMethod = 'get' | 'post' | 'patch' | 'delete';
export type LgRoute = [method: LgMethod, path: string, handler: (call: LgCall) => Promise<void>];

const WITH_BODY = new Set(['POST', 'PATCH', 'DELETE']);

/**
 * The tenant a request claims by `tenantId`, in its body or its query (both, when given, must
 * agree), resolved as on every route: a key's tenant, else X-Tenant-Id, else the claim.
 */
function tenantOf(ctx: Context, body: Record<string, unknown>): string {
  const query = typeof ctx.query.tenantId === 'string' ? ctx.query.tenantId : undefined;
  const tenant = resolveTenant(ctx, { tenantId: body.tenantId });
  if (query !== undefined && query !== '' && resolveTenant(ctx, { tenantId: query }) !== tenant) {
    throw new ValidationError('tenantId: the query and the body name different tenants');
  }
  return tenant;
}

/**
 * The LangGraph Platform API (the part `@langchain/langgraph-sdk`'s Client calls) at /lg:
 * assistants are hierarchies, threads Cadre's threads, runs Cadre's runs. Its answers are
 * LangGraph's (`{detail}` errors); the tenant is resolved before anything, so a wrong key or
 * tenant is the API's own 401/403 envelope, as on every route.
 */
export function langGraphProtocol(services: LgServices): ProtocolMount {
  return {
    name: 'langgraph',
    openApiPaths: lgOpenApiPaths,
    mount(router: Router, deps: ProtocolMountDeps) {
      const routes: LgRoute[] = [...assistantRoutes(), ...threadRoutes(), ...runRoutes()];
      for (const [method, path, handler] of routes) {
        router[method](`${LG_PREFIX}${path}`, async (ctx: Context) => {
          let body: Record<string, unknown> = {};
          if (WITH_BODY.has(ctx.method)) {
            try {
              body = await readJsonBody(ctx, deps.bodyLimits);
            } catch (err) {
              answerError(ctx, err, services.logger);
              return;
            }
          }
          const repos = deps.repositories(tenantOf(ctx, body));
          try {
            await handler({ ctx, repos, body, services });
          } catch (err) {
            // A stream that began answers its own failures in the stream.
            if (ctx.respond === false) {
              services.logger.error('LangGraph stream failed', { error: String((err as Error)?.stack ?? err) });
              return;
            }
            answerError(ctx, err, services.logger);
          }
        });
      }
    },
  };
}
