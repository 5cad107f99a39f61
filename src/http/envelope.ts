import type { Context } from 'koa';
import type { Page } from '../domain/common-schemas.ts';

export function sendOk(ctx: Context, data: unknown, message = 'success', status = 200): void {
  ctx.status = status;
  ctx.body = { success: true, message, data };
}

/**
 * A success envelope around `dataJson`, JSON the caller already holds as text (stored events):
 * spliced in as it is, so a page of history is never parsed and serialised again.
 */
export function sendOkJson(ctx: Context, dataJson: string, message = 'success'): void {
  ctx.status = 200;
  ctx.type = 'application/json';
  ctx.body = `{"success":true,"message":${JSON.stringify(message)},"data":${dataJson}}`;
}

/** A success envelope its maker encoded whole (eventPageBytes: `{"success":true,"message":…,"data":…}`). */
export function sendOkBytes(ctx: Context, bytes: Buffer): void {
  ctx.status = 200;
  ctx.type = 'application/json';
  ctx.body = bytes;
}

/** The reference's pagination answer carries `code: 0` besides the usual envelope. */
export function sendPage<T>(ctx: Context, page: Page<T>): void {
  ctx.status = 200;
  ctx.body = { code: 0, message: 'success', success: true, data: page };
}

export function errorBody(status: number, message: string, errorCode: string) {
  return { success: false, error: message, code: status, error_code: errorCode };
}
