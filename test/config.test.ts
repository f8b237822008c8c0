import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';

describe('configuration', () => {
  it('defaults to development with GraphiQL on and the local engine', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.graphiql).toBe(true);
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 4000 });
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

  it('refuses TRUST_PROXY=true, saying what to write instead; takes false or a hop count', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(
      /TRUST_PROXY: must be false or the number of proxies in front of this server \(1 behind one load balancer\)/,
    );
    for (const bad of ['yes', '-1', '1.5', '10', 'loopback']) expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY/);
    expect(loadConfig({}).rateLimit.trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'false' }).rateLimit.trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '0' }).rateLimit.trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '2' }).rateLimit.trustProxyHops).toBe(2);
  });

  it('reads platform address headers only when TRUST_PLATFORM_HEADERS names the platform', () => {
    expect(loadConfig({}).rateLimit.platformHeaders).toBeUndefined();
    expect(loadConfig({ TRUST_PLATFORM_HEADERS: 'vercel' }).rateLimit.platformHeaders).toBe('vercel');
    expect(() => loadConfig({ TRUST_PLATFORM_HEADERS: 'cloudflare' })).toThrow(/TRUST_PLATFORM_HEADERS/);
  });

  it('signs explanation ids with a required secret in production, a fixed one elsewhere, and takes a previous one', () => {
    const production = { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' };
    expect(() => loadConfig(production)).toThrow(/EXPLANATION_ID_SECRET: required in production/);
    expect(() => loadConfig({ ...production, EXPLANATION_ID_SECRET: 'short' })).toThrow(
      /EXPLANATION_ID_SECRET: must be at least 16 characters/,
    );
    expect(() => loadConfig({ EXPLANATION_ID_SECRET_PREVIOUS: 'short' })).toThrow(/EXPLANATION_ID_SECRET_PREVIOUS/);
    const rotating = loadConfig({
      ...production,
      EXPLANATION_ID_SECRET: 'config-test-secret-new',
      EXPLANATION_ID_SECRET_PREVIOUS: 'config-test-secret-old',
    });
    expect(rotating.explanations.idSecrets).toEqual({ current: 'config-test-secret-new', previous: 'config-test-secret-old' });
    // Development restarts keep ids valid without any setting.
    expect(loadConfig({}).explanations.idSecrets.current).toBe(loadConfig({}).explanations.idSecrets.current);
    expect(loadConfig({}).explanations.idSecrets.current.length).toBeGreaterThanOrEqual(16);
  });

  it('turns GraphiQL off in production', () => {
    expect(
      loadConfig({
        NODE_ENV: 'production',
        CORS_ORIGINS: 'https://app.example.com',
        EXPLANATION_ID_SECRET: 'config-test-explanation-secret',
      }).graphiql,
    ).toBe(false);
  });
});
