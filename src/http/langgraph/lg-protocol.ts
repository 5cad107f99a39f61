import type { ProtocolMount } from '../protocol-mount.ts';
import { langGraphProtocol } from './lg-mount.ts';
import type { LgServices } from './lg-services.ts';

/** The LangGraph Platform API adapter at /lg: what the composition root mounts. */
export function createLangGraphProtocol(services: LgServices): ProtocolMount {
  return langGraphProtocol(services);
}
