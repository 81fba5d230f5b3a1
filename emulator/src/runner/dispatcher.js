// The one Worker of the shared workerd process (runner/host.rs). Each
// request names, in a header signed by the emulator, the deployed version it
// is for; the version's code is fetched from the emulator once and loaded
// through the Worker Loader into its own isolate, cached under that signed
// name (a new version is a new name, so a redeploy never serves old code
// under the new name, and a forged name cannot reach a loaded Worker).
import { WorkerEntrypoint } from 'cloudflare:workers';

const WORKER_HEADER = 'x-boardingpass-worker';
const CODE_HEADER = 'x-boardingpass-code';
const ASSETS_HEADER = 'x-boardingpass-assets';
const PROBE_PATH = '/__boardingpass/probe';

// `env.ASSETS` of a loaded Worker: asset requests go back to the emulator
// with the version's assets token.
export class Assets extends WorkerEntrypoint {
  fetch(request) {
    const forwarded = new Request(request);
    forwarded.headers.set(ASSETS_HEADER, this.ctx.props.token);
    return this.env.EMULATOR.fetch(forwarded);
  }
}

const KV_HEADER = 'x-boardingpass-kv';
const hex = (text) => Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, '0')).join('');

// `env.KV` of a loaded Worker: each call goes to the emulator, which keeps
// the data (kv_binding.rs), with the token naming the namespace.
export class Kv extends WorkerEntrypoint {
  async call(path, init = {}) {
    const answer = await this.env.EMULATOR.fetch(`http://emulator${path}`, { ...init, headers: { [KV_HEADER]: this.ctx.props.token } });
    if (!answer.ok && answer.status !== 404) throw new Error(`KV ${init.method ?? 'GET'} failed: ${await answer.text()}`);
    return answer;
  }
  async get(key, options) {
    const type = typeof options === 'string' ? options : (options?.type ?? 'text');
    const answer = await this.call(`/values/${hex(String(key))}`);
    if (answer.status === 404) return null;
    if (type === 'json') return answer.json();
    if (type === 'arrayBuffer') return answer.arrayBuffer();
    if (type === 'stream') return answer.body;
    return answer.text();
  }
  async put(key, value) {
    await this.call(`/values/${hex(String(key))}`, { method: 'PUT', body: value });
  }
  async delete(key) {
    await this.call(`/values/${hex(String(key))}`, { method: 'DELETE' });
  }
  async list(options = {}) {
    const query = new URLSearchParams();
    if (options.prefix) query.set('prefix', options.prefix);
    if (options.cursor) query.set('cursor', options.cursor);
    if (options.limit) query.set('limit', String(options.limit));
    const answer = await this.call(`/keys?${query}`);
    if (!answer.ok) throw new Error('KV list failed: namespace not found');
    const page = await answer.json();
    return page.cursor ? page : { keys: page.keys, list_complete: true };
  }
}

const D1_HEADER = 'x-boardingpass-d1';

// The stub under a loaded Worker's `env.DB` (runner/d1_database.js builds
// D1's API over it): statements go to the emulator (d1_binding.rs), with
// the token naming the database; D1's error text comes back as the error.
export class D1 extends WorkerEntrypoint {
  async call(path, body) {
    const headers = { [D1_HEADER]: this.ctx.props.token, 'content-type': 'application/json' };
    const answer = await this.env.EMULATOR.fetch(`http://emulator${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await answer.text();
    if (!answer.ok) throw new Error(text);
    return JSON.parse(text);
  }
  batch(statements) {
    return this.call('/batch', { statements });
  }
  exec(sql) {
    return this.call('/exec', { sql });
  }
}

const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;

function modules(list) {
  const out = {};
  for (const [name, m] of Object.entries(list)) {
    if ('data' in m) out[name] = { data: bytes(m.data) };
    else if ('wasm' in m) out[name] = { wasm: bytes(m.wasm) };
    else out[name] = m;
  }
  return out;
}

async function load(env, ctx, token) {
  const answer = await env.EMULATOR.fetch('http://emulator/x-boardingpass/worker-code', { headers: { [CODE_HEADER]: token } });
  if (!answer.ok) throw new Error(`the emulator did not give this Worker's code (${answer.status})`);
  const code = await answer.json();
  const bindings = {};
  for (const [name, b] of Object.entries(code.env)) {
    if ('assets' in b) bindings[name] = ctx.exports.Assets({ props: { token: b.assets } });
    else if ('kv' in b) bindings[name] = ctx.exports.Kv({ props: { token: b.kv } });
    else if ('d1' in b) bindings[name] = ctx.exports.D1({ props: { token: b.d1 } });
    else bindings[name] = 'json' in b ? b.json : b.text;
  }
  return {
    compatibilityDate: code.compatibilityDate,
    compatibilityFlags: code.compatibilityFlags,
    mainModule: code.mainModule,
    modules: modules(code.modules),
    env: bindings,
  };
}

export default {
  async fetch(request, env, ctx) {
    const token = request.headers.get(WORKER_HEADER);
    if (!token) return new Response('no Worker named\n', { status: 400 });
    const worker = env.LOADER.get(token, () => load(env, ctx, token)).getEntrypoint();
    if (new URL(request.url).pathname === PROBE_PATH) {
      // Starts the Worker without running any of its handlers: calling a
      // method no Worker has fails after startup, or with the startup error.
      try {
        await worker.__boardingpassProbe();
      } catch (e) {
        const started = String(e.message).includes('does not implement the method');
        return new Response(started ? 'started' : String(e.message), { status: started ? 200 : 500 });
      }
      return new Response('started');
    }
    const forwarded = new Request(request);
    forwarded.headers.delete(WORKER_HEADER);
    return worker.fetch(forwarded);
  },
};
