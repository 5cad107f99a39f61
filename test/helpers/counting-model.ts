import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import type { AgentModel } from '../../src/models/model-factory.ts';

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/**
 * Counts, per agent and prompt, the model calls that streamed to their end: a call aborted
 * midway (its run was stopped) is not counted, so after a resume every settled step must show
 * exactly one completed call — a second one would be work done twice.
 */
export class CallCounter {
  readonly completed = new Map<string, number>();
  readonly started = new Map<string, number>();

  /** The model, counting its calls under `agentId`. */
  wrap(agentId: string, model: AgentModel): AgentModel {
    const inner = model.model;
    const { completed, started } = this;
    const counted: LanguageModelV3 = {
      specificationVersion: inner.specificationVersion,
      provider: inner.provider,
      modelId: inner.modelId,
      supportedUrls: inner.supportedUrls,
      doGenerate: (options) => inner.doGenerate(options),
      doStream: async (options) => {
        const key = `${agentId} ${JSON.stringify(options.prompt)}`;
        bump(started, key);
        const result = await inner.doStream(options);
        const stream = result.stream.pipeThrough(new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
          transform(part, controller) {
            if (part.type === 'finish') bump(completed, key);
            controller.enqueue(part);
          },
        }));
        return { ...result, stream };
      },
    };
    return { ...model, model: counted };
  }

  /** Every model wrapped. */
  wrapAll(models: ReadonlyMap<string, AgentModel>): Map<string, AgentModel> {
    return new Map([...models].map(([id, model]) => [id, this.wrap(id, model)]));
  }
}
