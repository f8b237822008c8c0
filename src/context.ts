import type { Config } from './config/config.ts';
import type { Loaders } from './loaders/loaders.ts';
import type { EngineHandle } from './modal/engine.ts';

/** What every resolver receives: the request's own loaders and the server's long-lived parts. */
export interface Context {
  loaders: Loaders;
  engine: EngineHandle;
  config: Config;
}
