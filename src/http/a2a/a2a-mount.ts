import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import type Router from '@koa/router';
import { AgentCard, SendMessageRequest, SendMessageResponse, StreamResponse, Task, TaskPushNotificationConfig, ListTaskPushNotificationConfigsResponse, taskStateFromJSON } from '@a2a-js/sdk';
import { JsonRpcTransportHandler, ServerCallContext, type A2ARequestHandler } from '@a2a-js/sdk/server';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import {
  A2A_ERROR_CODE, ContentTypeNotSupportedError, RequestMalformedError, VersionNotSupportedError, restStatusFor, toRestErrorBody,
} from '@a2a-js/sdk/errors';
import { AppError, NotFoundError } from '../../errors/app-error.ts';
import type { ProtocolMount, ProtocolMountDeps } from '../protocol-mount.ts';
import { readJsonBody } from '../json-body.ts';
import { resolveTenant } from '../tenant.ts';
import { silentLogger, type Logger } from '../../logging/logger.ts';
import type { A2AServices } from './a2a-services.ts';
import { agentCardOf } from './a2a-card.ts';
import { CadreA2AHandler, SIGNAL_KEY } from './a2a-request-handler.ts';
import { guardedHandler } from './a2a-errors.ts';
import { writeSseStream } from './a2a-sse.ts';
import { a2aOpenApiPaths } from './a2a-openapi.ts';

const JSON_TYPES = new Set(['application/json', 'application/a2a+json']);
const VERSIONS = new Set(['1.0', '0.3']);

interface Call {
  handler: A2ARequestHandler;
  /** When the agent (its hierarchy) last changed: the card's Last-Modified. */
  updatedAt: Date;
  context: ServerCallContext;
  abort: AbortController;
  /** The A2A-Version the client asked for ('0.3' when absent, as A2A has it). */
  version: string;
}

/** A2A 1.0 (and 0.3's JSON-RPC method names) for every hierarchy, at /a2a/{hierarchy id or name}. */
export function a2aProtocol(services: A2AServices, logger: Logger = silentLogger): ProtocolMount {
  return {
    name: 'a2a',
    openApiPaths: a2aOpenApiPaths,
    mount(router: Router, deps: ProtocolMountDeps) {
      const checkContentType = (ctx: Context) => {
        const type = ctx.get('content-type').split(';', 1)[0]!.trim().toLowerCase();
        if (type && !JSON_TYPES.has(type)) throw new ContentTypeNotSupportedError(`Content-Type ${type}: expected application/json or application/a2a+json`);
      };
      /** A POST's JSON body, read once (its `tenantId`, as every route's, must agree with the key's tenant). */
      const body = async (ctx: Context): Promise<Record<string, unknown>> => {
        if (ctx.method !== 'POST') return {};
        if (!ctx.state.a2aBody) {
          checkContentType(ctx);
          try {
            ctx.state.a2aBody = await readJsonBody(ctx, deps.bodyLimits);
          } catch (err) {
            throw new RequestMalformedError((err as Error).message);
          }
        }
        return ctx.state.a2aBody as Record<string, unknown>;
      };
      /** The agent named by the path, for the request's tenant, and the handler that speaks for it. */
      const callOf = async (ctx: Context): Promise<Call> => {
        const claimed = { tenantId: ctx.method === 'POST' ? (await body(ctx)).tenantId : ctx.query.tenantId };
        const repos = deps.repositories(resolveTenant(ctx, claimed));
        const ref = String(ctx.params.h);
        const hierarchy = (await repos.hierarchies.find(ref)) ?? (await repos.hierarchies.findByName(ref));
        if (!hierarchy) throw new NotFoundError(`no agent ${ref}`, 'HIERARCHY_NOT_FOUND');
        const card = agentCardOf(hierarchy, services.publicUrl ?? `${ctx.protocol}://${ctx.host}`, { apiKeysRequired: services.apiKeysRequired, pushNotifications: true, version: services.version });
        const version = ctx.get('a2a-version') || '0.3';
        const abort = new AbortController();
        const context = new ServerCallContext({ requestedVersion: version, state: new Map<string, unknown>([[SIGNAL_KEY, abort.signal]]) });
        const call = { handler: guardedHandler(new CadreA2AHandler(services, repos, hierarchy, card), logger), updatedAt: hierarchy.updatedAt, context, abort, version };
        if (!VERSIONS.has(version)) throw new VersionNotSupportedError(`A2A-Version ${version} is not supported (1.0, 0.3)`);
        return call;
      };

      // Cacheable (privately: a card is a tenant's), revalidated by its ETag.
      router.get('/a2a/:h/.well-known/agent-card.json', async (ctx) => {
        const call = await callOf(ctx);
        const json = JSON.stringify(AgentCard.toJSON(await call.handler.getAgentCard()));
        const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
        ctx.set('Cache-Control', 'private, max-age=300');
        ctx.set('ETag', etag);
        ctx.set('Last-Modified', call.updatedAt.toUTCString());
        if (ctx.get('if-none-match') === etag) {
          ctx.status = 304;
          return;
        }
        ctx.type = 'application/json';
        ctx.body = json;
      });

      // JSON-RPC: one POST at the agent's URL; 0.3 clients' `message/send`-style names go to the 0.3 handler.
      const jsonRpc = async (ctx: Context) => {
        let call: Call;
        let request: Record<string, unknown>;
        try {
          call = await callOf(ctx);
          request = await body(ctx);
        } catch (err) {
          // The agent or tenant itself is wrong (404, 400, 403): the API's envelope, as for every route.
          if (err instanceof AppError) throw err;
          ctx.body = { jsonrpc: '2.0', id: null, error: JsonRpcTransportHandler.mapToJSONRPCError(err) };
          return;
        }
        const legacy = typeof request.method === 'string' && request.method.includes('/');
        const transport = legacy ? new LegacyJsonRpcTransportHandler(call.handler) : new JsonRpcTransportHandler(call.handler);
        const answer = await transport.handle(request, call.context);
        if (!isStream(answer)) {
          const error = (answer as { error?: { code?: number } }).error;
          ctx.status = error?.code === A2A_ERROR_CODE.INTERNAL_ERROR ? 500 : 200;
          ctx.body = answer;
          return;
        }
        const id = request.id ?? null;
        const mapError = legacy ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError : JsonRpcTransportHandler.mapToJSONRPCError;
        let first: IteratorResult<unknown, void>;
        try {
          first = await answer.next();
        } catch (err) {
          ctx.body = { jsonrpc: '2.0', id, error: mapError(err) };
          return;
        }
        await writeSseStream(ctx, first, answer, (frame) => frame, (err) => ({ jsonrpc: '2.0', id, error: mapError(err) }), call.abort, services.connections);
      };
      router.post('/a2a/:h', jsonRpc);
      router.post('/a2a/:h/', jsonRpc);

      // HTTP+JSON: AIP-193 errors with a google.rpc.ErrorInfo reason, always application/json.
      const rest = (run: (ctx: Context, call: Call) => Promise<void>) => async (ctx: Context) => {
        try {
          await run(ctx, await callOf(ctx));
        } catch (err) {
          // The agent or tenant itself is wrong (404, 400, 403): the API's envelope, as for every route.
          if (err instanceof AppError) throw err;
          if (ctx.respond === false) return;
          const status = err instanceof ContentTypeNotSupportedError ? 415 : restStatusFor(err);
          ctx.status = status;
          ctx.body = toRestErrorBody(err, status);
        }
      };
      const stream = async (ctx: Context, call: Call, events: AsyncGenerator<StreamResponse, void, undefined>) => {
        const first = await events.next(); // a failure before the first event is a plain error answer
        const toJson = (e: StreamResponse) => StreamResponse.toJSON(e);
        await writeSseStream(ctx, first, events, toJson, (err) => toRestErrorBody(err, restStatusFor(err)), call.abort, services.connections);
      };
      router.post('/a2a/:h/message\\:send', rest(async (ctx, call) => {
        const result = await call.handler.sendMessage(SendMessageRequest.fromJSON(await body(ctx)), call.context);
        ctx.body = SendMessageResponse.toJSON({ payload: 'messageId' in result ? { $case: 'message', value: result } : { $case: 'task', value: result } });
      }));
      router.post('/a2a/:h/message\\:stream', rest(async (ctx, call) => {
        await stream(ctx, call, call.handler.sendMessageStream(SendMessageRequest.fromJSON(await body(ctx)), call.context));
      }));
      const subscribe = rest(async (ctx, call) => {
        await stream(ctx, call, call.handler.resubscribe({ tenant: '', id: String(ctx.params.id) }, call.context));
      });
      // Registered before /tasks/:id, which would take `12:subscribe` as an id.
      router.get('/a2a/:h/tasks/:id\\:subscribe', subscribe);
      router.post('/a2a/:h/tasks/:id\\:subscribe', subscribe);
      router.post('/a2a/:h/tasks/:id\\:cancel', rest(async (ctx, call) => {
        ctx.body = Task.toJSON(await call.handler.cancelTask({ tenant: '', id: String(ctx.params.id), metadata: undefined }, call.context));
      }));
      router.get('/a2a/:h/tasks/:id', rest(async (ctx, call) => {
        const historyLength = queryInt(ctx, 'historyLength');
        ctx.body = Task.toJSON(await call.handler.getTask({ tenant: '', id: String(ctx.params.id), ...(historyLength !== undefined && { historyLength }) }, call.context));
      }));
      router.get('/a2a/:h/tasks', rest(async (ctx, call) => {
        const q = (name: string) => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string) : '');
        const status = q('status');
        const includeArtifacts = q('includeArtifacts') === 'true';
        const result = await call.handler.listTasks({
          tenant: '', contextId: q('contextId'), status: status ? taskStateFromJSON(/^\d+$/.test(status) ? Number(status) : status) : 0,
          pageSize: queryInt(ctx, 'pageSize'), pageToken: q('pageToken'), historyLength: queryInt(ctx, 'historyLength'),
          statusTimestampAfter: q('statusTimestampAfter') || undefined, includeArtifacts,
        }, call.context);
        ctx.body = { tasks: result.tasks.map((t) => Task.toJSON(t)), nextPageToken: result.nextPageToken, pageSize: result.pageSize, totalSize: result.totalSize };
      }));
      router.post('/a2a/:h/tasks/:id/pushNotificationConfigs', rest(async (ctx, call) => {
        const config = TaskPushNotificationConfig.fromJSON({ ...(await body(ctx)), taskId: String(ctx.params.id) });
        ctx.status = 201;
        ctx.body = TaskPushNotificationConfig.toJSON(await call.handler.createTaskPushNotificationConfig(config, call.context));
      }));
      router.get('/a2a/:h/tasks/:id/pushNotificationConfigs', rest(async (ctx, call) => {
        const listed = await call.handler.listTaskPushNotificationConfigs({ tenant: '', taskId: String(ctx.params.id), pageSize: 0, pageToken: '' }, call.context);
        ctx.body = ListTaskPushNotificationConfigsResponse.toJSON(listed);
      }));
      router.get('/a2a/:h/tasks/:id/pushNotificationConfigs/:configId', rest(async (ctx, call) => {
        const config = await call.handler.getTaskPushNotificationConfig({ tenant: '', taskId: String(ctx.params.id), id: String(ctx.params.configId) }, call.context);
        ctx.body = TaskPushNotificationConfig.toJSON(config);
      }));
      router.delete('/a2a/:h/tasks/:id/pushNotificationConfigs/:configId', rest(async (ctx, call) => {
        await call.handler.deleteTaskPushNotificationConfig({ tenant: '', taskId: String(ctx.params.id), id: String(ctx.params.configId) }, call.context);
        ctx.status = 204;
      }));
    },
  };
}

function isStream(value: unknown): value is AsyncGenerator<unknown, void, undefined> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === 'function';
}

/** An integer query parameter; absent: undefined; anything else but an integer: InvalidParams naming it. */
function queryInt(ctx: Context, name: string): number | undefined {
  const raw = ctx.query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^-?\d{1,9}$/.test(raw)) throw new RequestMalformedError(`${name}: must be an integer`);
  return Number(raw);
}
