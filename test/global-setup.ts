import type { TestProject } from 'vitest/node';
import { LocalEngineProcess } from '../src/modal/local/supervisor.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    engineUrl: string;
  }
}

/** One real Python engine for the whole run; tests that need their own (restarts, failures) start it. */
export default async function setup(project: TestProject) {
  const engine = new LocalEngineProcess({ python: process.env.PYTHON ?? 'python3' });
  project.provide('engineUrl', await engine.url());
  return () => engine.stop();
}
