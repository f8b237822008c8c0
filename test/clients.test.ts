import { describe, expect, it } from 'vitest';
import { clientAddressOf, identifyClient } from '../src/ratelimit/clients.ts';

const request = (headers: Record<string, string>) => new Request('http://localhost/graphql', { headers });

describe('who a request is charged to', () => {
  it('spells each address one way: IPv4 as it is, mapped IPv6 as IPv4, other IPv6 as its /64, zones dropped', () => {
    expect(clientAddressOf('10.0.9.1')).toBe('10.0.9.1');
    expect(clientAddressOf('::ffff:10.0.9.1')).toBe('10.0.9.1');
    expect(clientAddressOf('::ffff:0a00:0901')).toBe('10.0.9.1');
    // One host's /64 is one client, however its addresses are written.
    for (const address of ['2001:db8::1', '2001:0DB8:0:0::1', '2001:db8:0:0:ffff:1:2:3', '2001:db8::1%eth0']) {
      expect(clientAddressOf(address), address).toBe('2001:db8:0:0::/64');
    }
    expect(clientAddressOf('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    for (const garbage of ['', 'localhost', '10.0.0.256', '1.2.3', `${'1:'.repeat(30)}1`, 'fe80::1%'.padEnd(80, 'x')]) {
      expect(clientAddressOf(garbage), garbage).toBeUndefined();
    }
  });

  it("charges a wrong API key to the sender's address, and marks it", () => {
    const options = {
      apiKeys: [{ name: 'team', key: 'k_right_0123456789', tier: 'standard' }],
      trustProxyHops: 0,
      remoteAddress: '::ffff:192.0.2.7',
    };
    expect(identifyClient(request({ 'x-api-key': 'k_right_0123456789' }), options)).toEqual({ id: 'key:team', tier: 'standard' });
    expect(identifyClient(request({ 'x-api-key': 'k_wrong' }), options)).toEqual({
      id: 'ip:192.0.2.7',
      tier: 'anonymous',
      invalidKey: true,
    });
    expect(identifyClient(request({}), options)).toEqual({ id: 'ip:192.0.2.7', tier: 'anonymous' });
  });

  it("reuses a connection's last key match only for the same key string and the same configured keys", () => {
    const keys = [{ name: 'team', key: 'k_right_0123456789', tier: 'standard' }];
    const connection = {};
    const options = { apiKeys: keys, trustProxyHops: 0, remoteAddress: '192.0.2.7', connection };
    expect(identifyClient(request({ 'x-api-key': 'k_right_0123456789' }), options).id).toBe('key:team');
    expect(identifyClient(request({ 'x-api-key': 'k_right_012345678' }), options).invalidKey).toBe(true);
    expect(identifyClient(request({ 'x-api-key': 'k_right_0123456789' }), options).id).toBe('key:team');
    // The same connection under other configured keys (a reload, another instance in the process) is matched afresh.
    const renamed = [{ name: 'renamed', key: 'k_right_0123456789', tier: 'standard' }];
    expect(identifyClient(request({ 'x-api-key': 'k_right_0123456789' }), { ...options, apiKeys: renamed }).id).toBe('key:renamed');
    expect(identifyClient(request({ 'x-api-key': 'k_right_0123456789' }), { ...options, apiKeys: [] })).toMatchObject({ invalidKey: true });
  });
});
