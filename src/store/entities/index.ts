import { AiModelSchema } from './ai-model.entity.ts';
import { HierarchyTeamSchema } from './hierarchy-team.entity.ts';
import { ExecutionRunSchema } from './execution-run.entity.ts';
import { ExecutionEventSchema } from './execution-event.entity.ts';
import { McpServerSchema } from './mcp-server.entity.ts';
import { ThreadSchema } from './thread.entity.ts';
import { ApiKeySchema } from './api-key.entity.ts';
import { CadreProcessSchema } from './cadre-process.entity.ts';
import { TenantSecretSchema } from './tenant-secret.entity.ts';
import { RunCheckpointSchema } from './run-checkpoint.entity.ts';
import { PushConfigSchema } from './push-config.entity.ts';

export { AiModel } from './ai-model.entity.ts';
export { HierarchyTeam } from './hierarchy-team.entity.ts';
export { ExecutionRun } from './execution-run.entity.ts';
export { ExecutionEvent } from './execution-event.entity.ts';
export { McpServer } from './mcp-server.entity.ts';
export { Thread } from './thread.entity.ts';
export { ApiKey } from './api-key.entity.ts';
export { CadreProcess } from './cadre-process.entity.ts';
export { TenantSecret } from './tenant-secret.entity.ts';
export { RunCheckpoint } from './run-checkpoint.entity.ts';
export { PushConfig } from './push-config.entity.ts';

export const entities = [AiModelSchema, HierarchyTeamSchema, ExecutionRunSchema, ExecutionEventSchema, McpServerSchema, ApiKeySchema, CadreProcessSchema, TenantSecretSchema, RunCheckpointSchema, ThreadSchema, PushConfigSchema];
