import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { ConfigError } from '../src/config/env.ts';

describe('configuration', () => {
  it('defaults to development with GraphiQL on and the local engine', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.graphiql).toBe(true);
    expect(config.server).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(config.engine.mode).toBe('auto');
    expect(config.engine.modal).toBeUndefined();
  });

  it('lists every invalid variable in one message', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', ENGINE_MODE: 'cloud', MODAL_ENDPOINT_URL: 'not a url', NODE_ENV: 'staging' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'ENGINE_MODE', 'MODAL_ENDPOINT_URL', 'NODE_ENV']) expect(message).toContain(name);
  });

  it('requires a Modal URL in modal mode and both proxy credentials together', () => {
    expect(() => loadConfig({ ENGINE_MODE: 'modal' })).toThrow(/MODAL_ENDPOINT_URL/);
    expect(() => loadConfig({ MODAL_ENDPOINT_URL: 'https://x.modal.run', MODAL_PROXY_KEY: 'k' })).toThrow(/MODAL_PROXY_SECRET/);
  });

  it('turns GraphiQL off in production', () => {
    expect(loadConfig({ NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com', EXPLANATION_ID_SECRET: 'config-test-explanation-secret' }).graphiql).toBe(false);
  });
});
