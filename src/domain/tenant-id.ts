/** A tenant id: 1–64 ASCII letters, digits, `_ . -`, compared byte for byte on every backend. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function isTenantId(value: string): boolean {
  return TENANT_ID_PATTERN.test(value);
}
