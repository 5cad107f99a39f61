import test, { type ExecutionContext } from 'ava';
import { composeService, type ComposeOptions, type Service } from '../../src/compose.ts';
import { API_PREFIX } from '../../src/http/api-route.ts';
import { DEFAULT_TENANT } from '../../src/http/tenant.ts';
import { createTestDatabase, uniqueName, type Backend, type TestDatabase } from './backends.ts';
import { serve, type TestServer } from './http-client.ts';

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface RequestOptions {
  /** A string is sent as it is (malformed JSON); anything else is JSON-encoded. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** The service exactly as src/main.ts composes it (app, runtime, event log), on a test database. */
export function buildService(db: TestDatabase, options: ComposeOptions = {}): Service {
  return composeService(db.store, { database: db.config, ...options });
}

/**
 * A client bound to one test and one tenant (sent as X-Tenant-Id): every answer is checked to
 * be no 5xx, so no request of a suite may crash the server unnoticed.
 */
export class Api {
  readonly t: ExecutionContext;
  readonly baseUrl: string;
  readonly tenant: string | undefined;

  constructor(t: ExecutionContext, baseUrl: string, tenant?: string) {
    this.t = t;
    this.baseUrl = baseUrl;
    this.tenant = tenant;
  }

  /** The same server as another tenant (X-Tenant-Id header); undefined sends no header. */
  as(tenant: string | undefined): Api {
    return new Api(this.t, this.baseUrl, tenant);
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = {
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
      ...(this.tenant !== undefined && { 'x-tenant-id': this.tenant }),
      ...options.headers,
    };
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = null;
    if ((res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    this.t.true(res.status < 500, `${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  /** POST /api/executor/v1/{action}, e.g. post('models/create', {...}). */
  post(action: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse> {
    return this.request('POST', `${API_PREFIX}/${action}`, { body, ...(headers && { headers }) });
  }

  get(path: string): Promise<ApiResponse> {
    return this.request('GET', path);
  }

  /** POSTs and asserts a success envelope with `status`; returns its data. */
  async ok(action: string, body: unknown, status = 200): Promise<any> {
    return expectOk(this.t, await this.post(action, body), status);
  }

  /** POSTs and asserts an error envelope with `status` whose message names `field`. */
  async fails(action: string, body: unknown, status: number, field?: string, errorCode?: string): Promise<ApiResponse> {
    const res = await this.post(action, body);
    expectError(this.t, res, status, field, errorCode);
    return res;
  }
}

export function expectOk(t: ExecutionContext, res: ApiResponse, status = 200): any {
  t.is(res.status, status, `expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
  t.is(res.body?.success, true);
  t.is(typeof res.body?.message, 'string');
  t.true(res.body !== null && 'data' in res.body, 'envelope has data');
  return res.body?.data;
}

/** Asserts the pagination envelope; returns its data. */
export function expectPage(t: ExecutionContext, res: ApiResponse): any {
  const data = expectOk(t, res);
  t.is(res.body.code, 0);
  t.is(res.body.message, 'success');
  t.true(Array.isArray(data?.content));
  for (const key of ['page', 'size', 'totalElements', 'totalPages']) t.is(typeof data?.[key], 'number', key);
  for (const key of ['first', 'last']) t.is(typeof data?.[key], 'boolean', key);
  return data;
}

/** `{success:false, error, code, error_code}`; `error` starts with the offending field (`field: ...`). */
export function expectError(t: ExecutionContext, res: ApiResponse, status: number, field?: string, errorCode?: string): void {
  t.is(res.status, status, `expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
  t.is(res.body?.success, false);
  t.is(res.body?.code, status);
  t.is(typeof res.body?.error, 'string');
  t.is(typeof res.body?.error_code, 'string');
  t.false(res.body !== null && 'data' in res.body, 'an error envelope has no data');
  if (field !== undefined) {
    t.true(String(res.body?.error).startsWith(`${field}:`), `error should name "${field}": ${res.body?.error}`);
  }
  if (errorCode !== undefined) t.is(res.body?.error_code, errorCode);
}

export interface Harness {
  db: TestDatabase;
  service: Service;
  server: TestServer;
  /** A client for test `t`, as `tenant` (X-Tenant-Id) or, without it, sending no tenant at all. */
  api(t: ExecutionContext, tenant?: string): Api;
}

/**
 * One database, the app on it (seeded like main.ts) and a server on an ephemeral port for one
 * test file; everything closed in after.always.
 */
export function useApiHarness(backend: Backend, options: ComposeOptions = {}): () => Harness {
  let harness: Harness | undefined;
  let db: TestDatabase | undefined;
  let service: Service | undefined;
  let server: TestServer | undefined;
  test.before(async () => {
    db = await createTestDatabase(backend);
    await db.store.seedDefaults(DEFAULT_TENANT);
    service = buildService(db, options);
    server = await serve(service.app);
    const url = server.url;
    harness = { db, service, server, api: (t, tenant) => new Api(t, url, tenant) };
  });
  test.after.always(async () => {
    await server?.close();
    await service?.stop(1000);
    await db?.drop();
  });
  return () => {
    if (!harness) throw new Error('the API harness did not start');
    return harness;
  };
}

/** A tenant id of its own for one test. */
export function uniqueTenant(prefix = 't'): string {
  return uniqueName(prefix);
}
