import type { EngineHandle } from '../modal/engine.ts';

/**
 * The engine with every answer's `dataVersion` handed to `note` (the response cache keys answers by it):
 * whichever call reveals a new version, a lookup, a status read or a readiness probe, it is seen at once.
 */
export function watchDataVersion(handle: EngineHandle, note: (version: string) => void): EngineHandle {
  const wrapped = new Map<PropertyKey, unknown>();
  const engine = new Proxy(handle.engine, {
    get(target, property) {
      const member: unknown = Reflect.get(target, property);
      if (typeof member !== 'function') return member;
      if (!wrapped.has(property)) {
        wrapped.set(property, async (...args: unknown[]) => {
          const answer: unknown = await member.apply(target, args);
          const version = (answer as { dataVersion?: unknown } | null)?.dataVersion;
          if (typeof version === 'string') note(version);
          return answer;
        });
      }
      return wrapped.get(property);
    },
  });
  return { ...handle, engine };
}
