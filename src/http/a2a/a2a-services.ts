import type { RunService } from '../../services/run-service.ts';
import type { ThreadService } from '../../services/thread-service.ts';
import type { HumanInputService } from '../../services/human-input-service.ts';
import type { AgentControlService } from '../../services/agent-control-service.ts';
import type { PolledRunFeeds } from '../../events/polled-run-feeds.ts';
import type { A2APushConfigs } from './a2a-push-configs.ts';
import type { SseConnectionSlots } from '../sse-connections.ts';

/** The services the A2A adapter speaks for: it keeps no task state of its own. */
export interface A2AServices {
  runs: RunService;
  threads: ThreadService;
  humanInput: HumanInputService;
  agents: AgentControlService;
  /** Push notification configs and their delivery. */
  push: A2APushConfigs;
  /** The process's SSE streams (SSE_MAX_CONNECTIONS): A2A streams take slots like every other. */
  connections?: SseConnectionSlots;
  /** The shared pollers of runs executing in another process (as the SSE streams use). */
  polledFeeds?: PolledRunFeeds;
  /** PUBLIC_URL: the base the agent cards name (absent: the request's own origin). */
  publicUrl?: string;
  /** Whether requests need an API key (the card's security schemes say so). */
  apiKeysRequired: boolean;
  version: string;
}
