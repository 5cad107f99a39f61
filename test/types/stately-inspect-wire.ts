// Type-level proof that runs/inspect/stream's events are @statelyai/inspect's own: what the wire
// schemas of src/domain/inspection-schemas.ts describe must be assignable to the package's types
// (checked by `npm run typecheck` with the rest; @statelyai/inspect is a devDependency for it).
import type { StatelyActorEvent, StatelyEventEvent, StatelyInspectionEvent, StatelySnapshotEvent } from '@statelyai/inspect';
import type { z } from 'zod';
import type {
  InspectionEvent, inspectedActorSchema, inspectedEventSchema, inspectedSnapshotEventSchema,
} from '../../src/domain/inspection-schemas.ts';

export const actor = (e: z.infer<typeof inspectedActorSchema>): StatelyActorEvent => e;
export const event = (e: z.infer<typeof inspectedEventSchema>): StatelyEventEvent => e;
export const snapshot = (e: z.infer<typeof inspectedSnapshotEventSchema>): StatelySnapshotEvent => e;
export const any = (e: InspectionEvent): StatelyInspectionEvent => e;
