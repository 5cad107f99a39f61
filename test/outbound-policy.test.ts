import test from 'ava';
import { OutboundRefusedError } from '../src/errors/app-error.ts';
import { checkedAddresses, urlRefusal, type OutboundPolicy, type Resolver } from '../src/outbound/outbound-policy.ts';
import { parseAllowEntry } from '../src/outbound/allow-list.ts';

// The outbound address policy on its own: what a registered URL may name, and which addresses a
// connection may go to, with the operator's allowances (OUTBOUND_ALLOWED_HOSTS).

const strict: OutboundPolicy = { allowedHosts: [] };
/** A resolver standing in for DNS: names → fixed addresses. */
const resolver = (table: Record<string, string[]>): Resolver => async (host) => {
  const addresses = table[host];
  if (!addresses) throw Object.assign(new Error(`no such host ${host}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

test('registered URLs naming a refused address literally are refused; public ones and unresolved names pass', (t) => {
  const refused = [
    'http://127.0.0.1:8080/v1', 'http://[::1]/', 'http://169.254.169.254/latest', 'http://localhost:11434/v1', 'http://LOCALHOST./v1',
    'http://api.localhost/', 'http://metadata.google.internal/computeMetadata/v1/', 'http://10.1.2.3/', 'http://172.20.0.1/',
    'http://192.168.0.10/', 'http://100.64.1.1/', 'http://[fd00:ec2::254]/', 'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/', 'http://224.0.0.1/',
    'http://2130706433/',
    // IPv6 forms a gateway turns into IPv4 (here the metadata address): local-use NAT64, 6to4, Teredo.
    'http://[64:ff9b:1::a9fe:a9fe]/', 'http://[2002:a9fe:a9fe::1]/', 'http://[2001:0:a9fe:a9fe::1]/',
  ];
  for (const url of refused) {
    const why = urlRefusal(strict, url);
    t.truthy(why, url);
    t.true(why!.endsWith('only public addresses are reached unless OUTBOUND_ALLOWED_HOSTS allows it'), `${url}: ${why}`);
  }
  t.is(urlRefusal(strict, 'http://169.254.169.254/'), '169.254.169.254 is a link-local (cloud metadata lives here) address; only public addresses are reached unless OUTBOUND_ALLOWED_HOSTS allows it');
  t.is(urlRefusal(strict, 'file:///etc/passwd'), 'only http and https URLs (got file:)');
  t.is(urlRefusal(strict, 'ftp://example.com/'), 'only http and https URLs (got ftp:)');
  for (const url of ['https://api.openai.com/v1', 'http://8.8.8.8/', 'https://[2606:4700:4700::1111]/', 'http://models.internal.example/v1']) {
    t.is(urlRefusal(strict, url), null, url);
  }
});

test('allowances: a name (any port or one), an IP, a network (v4 and v6), and localhost through the loopback address', (t) => {
  const policy: OutboundPolicy = { allowedHosts: ['localhost:11434', 'vllm.internal', '10.0.0.0/8', 'fd00::/8', '[::1]:9000', '192.168.1.5:8080'] };
  t.is(urlRefusal(policy, 'http://localhost:11434/v1'), null);
  t.truthy(urlRefusal(policy, 'http://localhost:11435/v1'), 'another port of an allowed name is not allowed');
  t.is(urlRefusal(policy, 'http://10.200.3.4:1234/'), null);
  t.is(urlRefusal(policy, 'http://[fd12::1]/'), null);
  t.is(urlRefusal(policy, 'http://[::1]:9000/'), null);
  t.truthy(urlRefusal(policy, 'http://[::1]:9001/'));
  t.is(urlRefusal(policy, 'http://192.168.1.5:8080/'), null);
  t.truthy(urlRefusal(policy, 'http://192.168.1.5:8081/'));
  t.truthy(urlRefusal(policy, 'http://172.16.0.1/'), 'a network not listed stays refused');
  t.is(urlRefusal({ allowedHosts: ['127.0.0.1'] }, 'http://localhost:3000/'), null, 'localhost is loopback: allowing 127.0.0.1 opens it');
  t.is(urlRefusal({ allowedHosts: ['metadata.google.internal'] }, 'http://metadata.google.internal/'), null, 'an explicit allowance wins');
});

test('entries are checked: bad networks, ports and shapes are named', (t) => {
  for (const bad of ['10.0.0.0/33', 'fd00::/129', 'host:99999', 'http://x', 'a b', '[not-v6]:80', '10.0.0.1/x']) {
    t.is(typeof parseAllowEntry(bad), 'string', bad);
  }
  for (const good of ['10.0.0.0/8', 'fd00::/8', '::1', '[::1]:8080', 'host', 'host:80', '127.0.0.1', 'LOCALHOST']) {
    t.is(typeof parseAllowEntry(good), 'object', good);
  }
});

test('at connect: every address a name resolves to is checked; one refused address refuses the name', async (t) => {
  const resolve = resolver({ 'public.test': ['93.184.216.34'], 'mixed.test': ['93.184.216.34', '10.0.0.7'], 'mapped.test': ['::ffff:127.0.0.1'], 'v6.test': ['fd00::5'] });
  const policy: OutboundPolicy = { allowedHosts: [], resolve };
  t.deepEqual(await checkedAddresses(policy, 'public.test', '443'), [{ address: '93.184.216.34', family: 4 }]);
  const mixed = await t.throwsAsync(checkedAddresses(policy, 'mixed.test', '443'), { instanceOf: OutboundRefusedError });
  t.is(mixed!.message, 'refused: mixed.test resolves to 10.0.0.7 (10.0.0.7 is a private address); only public addresses are reached unless OUTBOUND_ALLOWED_HOSTS allows it');
  await t.throwsAsync(checkedAddresses(policy, 'mapped.test', '80'), { message: /^refused: mapped\.test resolves to ::ffff:127\.0\.0\.1 \(::ffff:127\.0\.0\.1 carries 127\.0\.0\.1 is a loopback address\)/ });
  await t.throwsAsync(checkedAddresses(policy, 'metadata.google.internal', '80'), { message: /^refused: metadata\.google\.internal is a cloud metadata service/ });
  await t.throwsAsync(checkedAddresses(policy, '::1', '80'), { message: /^refused: ::1 \(::1 is a loopback address\)/ });
  await t.throwsAsync(checkedAddresses(policy, 'nowhere.test', '80'), { message: 'cannot resolve nowhere.test: ENOTFOUND' });
  // The network entries match resolved addresses, an IPv4-mapped one judged as its IPv4.
  const open: OutboundPolicy = { allowedHosts: ['10.0.0.0/8', '127.0.0.1:8080', 'fd00::/8'], resolve };
  t.is((await checkedAddresses(open, 'mixed.test', '443')).length, 2);
  t.deepEqual(await checkedAddresses(open, 'mapped.test', '8080'), [{ address: '::ffff:127.0.0.1', family: 6 }]);
  await t.throwsAsync(checkedAddresses(open, 'mapped.test', '8081'), { instanceOf: OutboundRefusedError });
  t.deepEqual(await checkedAddresses(open, 'v6.test', '80'), [{ address: 'fd00::5', family: 6 }]);
  // An allowed name is resolved and pinned the same way, unchecked.
  t.deepEqual(await checkedAddresses({ allowedHosts: ['mixed.test'], resolve }, 'mixed.test', '80'), [
    { address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 },
  ]);
});
