// Cloudflare's TypeScript SDK (cloudflare 7.3.0), used only in the forms its
// README and api.md show, against the emulator: a module Worker, a new
// version and its deployment, a static site (with a Worker in front), listing,
// download and deletion, with every live URL fetched. Run by
// emulator/tests/sdk_clients.rs, which passes the emulator's address and a
// provisioned account in the environment.
import { createHash } from 'node:crypto';
import http from 'node:http';
import Cloudflare, { toFile } from 'cloudflare';

const account_id = process.env.CLOUDFLARE_ACCOUNT_ID;
const origin = new URL(process.env.EMULATOR_ORIGIN);
const client = new Cloudflare({ apiToken: process.env.CLOUDFLARE_API_TOKEN, baseURL: process.env.CLOUDFLARE_BASE_URL });

/** [status, content type, body] of the live Worker, addressed by Host. */
function live(script, subdomain, path = '/') {
  return new Promise((resolve, reject) => {
    const headers = { host: `${script}.${subdomain}.localhost:${origin.port}` };
    http.get({ hostname: origin.hostname, port: origin.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve([res.statusCode, res.headers['content-type'], body]));
    }).on('error', reject);
  });
}

function check(what, got, want) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    console.error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    process.exit(1);
  }
  console.log(`ok ${what}`);
}

const module = (text) => `export default { fetch(req, env) { return new Response(\`${text} \${env.GREETING}\`) } }`;
const file = (text) => toFile(Buffer.from(module(text)), 'index.js', { type: 'application/javascript+module' });
const metadata = { main_module: 'index.js', compatibility_date: '2025-06-01', bindings: [{ type: 'plain_text', name: 'GREETING', text: 'from ts' }] };

const { subdomain } = await client.workers.subdomains.get({ account_id });

// A module Worker, on workers.dev.
const script = await client.workers.scripts.update('ts-hello', { account_id, metadata, files: [await file('v1')] });
check('update answers the script', script.id, 'ts-hello');
await client.workers.scripts.subdomain.create('ts-hello', { account_id, enabled: true });
check('v1 is live', (await live('ts-hello', subdomain)).filter((_, i) => i !== 1), [200, 'v1 from ts']);

// A new version, then a deployment of it.
const version = await client.workers.scripts.versions.create('ts-hello', { account_id, metadata, files: [await file('v2')] });
check('v1 still live before the deployment', (await live('ts-hello', subdomain)).filter((_, i) => i !== 1), [200, 'v1 from ts']);
const deployment = await client.workers.scripts.deployments.create('ts-hello', {
  account_id,
  strategy: 'percentage',
  versions: [{ percentage: 100, version_id: version.id }],
});
check('the deployment routes the version', deployment.versions.map((v) => v.version_id), [version.id]);
check('v2 is live', (await live('ts-hello', subdomain)).filter((_, i) => i !== 1), [200, 'v2 from ts']);
const versionIds = [];
for await (const v of client.workers.scripts.versions.list('ts-hello', { account_id })) versionIds.push(v.id);
check('the versions list, newest first', versionIds.length === 2 && versionIds[0] === version.id, true);
check('a version by id', (await client.workers.scripts.versions.get(version.id, { account_id, script_name: 'ts-hello' })).id, version.id);
check('download has the deployed module', (await client.workers.scripts.get('ts-hello', { account_id })).includes('v2'), true);

// A static site with a Worker in front: upload session, the missing files, then the script with its assets.
const site = { '/index.html': '<!doctype html><h1>ts site</h1>', '/app.js': 'console.log(1)' };
const hash = (body) => createHash('sha256').update(body).digest('hex').slice(0, 32);
const manifest = Object.fromEntries(Object.entries(site).map(([path, body]) => [path, { hash: hash(body), size: Buffer.byteLength(body) }]));
const byHash = Object.fromEntries(Object.values(site).map((body) => [hash(body), body]));
const session = await client.workers.scripts.assets.upload.create('ts-site', { account_id, manifest });
const uploader = client.withOptions({ apiToken: session.jwt });
let completion = session.jwt;
for (const bucket of session.buckets ?? []) {
  const body = Object.fromEntries(bucket.map((h) => [h, Buffer.from(byHash[h]).toString('base64')]));
  const done = await uploader.workers.assets.upload.create({ account_id, base64: true, body });
  if (done?.jwt) completion = done.jwt;
}
const front = `export default { fetch(req, env) { return new URL(req.url).pathname === '/api' ? new Response('api') : env.ASSETS.fetch(req) } }`;
await client.workers.scripts.update('ts-site', {
  account_id,
  metadata: {
    main_module: 'worker.js',
    compatibility_date: '2025-06-01',
    assets: { jwt: completion, config: { html_handling: 'auto-trailing-slash' } },
    bindings: [{ type: 'assets', name: 'ASSETS' }],
  },
  files: [await toFile(Buffer.from(front), 'worker.js', { type: 'application/javascript+module' })],
});
await client.workers.scripts.subdomain.create('ts-site', { account_id, enabled: true });
check("the site's index", await live('ts-site', subdomain), [200, 'text/html; charset=utf-8', site['/index.html']]);
check("the site's script", await live('ts-site', subdomain, '/app.js'), [200, 'text/javascript; charset=utf-8', site['/app.js']]);
check('the Worker in front', (await live('ts-site', subdomain, '/api'))[2], 'api');

// Listing, an error the SDK parses, deletion.
const names = [];
for await (const s of client.workers.scripts.list({ account_id })) names.push(s.id);
check('list', names.sort(), ['ts-hello', 'ts-site']);
try {
  await client.workers.scripts.get('ts-missing', { account_id });
  check('a missing Worker is not found', 'found', 'not found');
} catch (e) {
  check("a missing Worker is a NotFoundError with Cloudflare's code", [e instanceof Cloudflare.NotFoundError, e.errors?.[0]?.code], [true, 10007]);
}
for (const name of ['ts-hello', 'ts-site']) await client.workers.scripts.delete(name, { account_id });
check('deleted Workers stop answering', (await live('ts-hello', subdomain))[0], 404);
const left = [];
for await (const s of client.workers.scripts.list({ account_id })) left.push(s.id);
check('list after deletion', left, []);
console.log('ts sdk flow done');
