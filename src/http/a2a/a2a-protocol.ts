import type { ProtocolMount } from '../protocol-mount.ts';
import type { TenantRepositories } from '../../domain/repositories.ts';
import type { OutboundPolicy } from '../../outbound/outbound-policy.ts';
import { guardedFetch } from '../../outbound/guarded-fetch.ts';
import type { Logger } from '../../logging/logger.ts';
import { A2APushConfigs } from './a2a-push-configs.ts';
import { a2aProtocol } from './a2a-mount.ts';
import type { A2AServices } from './a2a-services.ts';

export interface A2AProtocolDeps extends Omit<A2AServices, 'push'> {
  repositories(tenantId: string): TenantRepositories;
  /** The outbound address policy webhooks are judged by (as every connection a tenant steers). */
  outbound: OutboundPolicy;
  logger: Logger;
}

/** The A2A adapter with its push notification delivery: what the composition root mounts. */
export function createA2AProtocol(deps: A2AProtocolDeps): ProtocolMount {
  const { repositories, outbound, logger, ...services } = deps;
  const push = new A2APushConfigs({
    repositories, outbound, fetch: guardedFetch(outbound), runs: services.runs, logger,
    ...(services.polledFeeds && { polledFeeds: services.polledFeeds }),
  });
  return a2aProtocol({ ...services, push }, logger);
}
