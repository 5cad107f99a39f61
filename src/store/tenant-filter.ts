/**
 * The one place tenancy is enforced for reads, updates and deletes: every tenant-owned entity
 * carries this filter, enabled by default. MikroORM refuses to run a query on such an entity
 * when the filter has no `tenantId` argument, so a repository that forgot to bind its tenant
 * fails loudly instead of reading across tenants.
 */
export const TENANT_FILTER = 'tenant';

export const tenantFilter = {
  [TENANT_FILTER]: {
    name: TENANT_FILTER,
    cond: (args: Record<string, unknown>) => ({ tenantId: args.tenantId }),
    default: true,
  },
};
