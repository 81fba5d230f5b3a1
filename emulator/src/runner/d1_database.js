// D1's Worker API (`env.DB.prepare(sql).bind(...).all()`, `batch`, `exec`)
// inside a loaded Worker. `prepare` must be synchronous and `batch` must
// take the statements themselves, which an RPC stub cannot be: so this
// module (added by runner/host.rs to Workers with a D1 binding) wraps the
// Worker's default export and hands its handlers an env whose D1 bindings
// are D1Database objects over the dispatcher's `D1` stub. Only the
// default export sees them; other exported entrypoints get the env as is.

function param(value) {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
  if (ArrayBuffer.isView(value)) return Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  throw new TypeError(`D1_TYPE_ERROR: Type '${typeof value}' not supported for value '${value}'`);
}

// The emulator answers {columns, rows, meta}; D1 hands out rows as objects.
function objects({ columns, rows }) {
  return rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
}

function result(answer) {
  return { success: true, meta: { ...answer.meta, served_by: 'boardingpass-emulator' }, results: objects(answer) };
}

class D1PreparedStatement {
  constructor(database, sql, params = []) {
    this.database = database;
    this.sql = sql;
    this.params = params;
  }
  bind(...values) {
    return new D1PreparedStatement(this.database, this.sql, values.map(param));
  }
  async one() {
    const [answer] = await this.database.send([this]);
    return answer;
  }
  async all() {
    return result(await this.one());
  }
  async run() {
    return result(await this.one());
  }
  async first(column) {
    const [row] = objects(await this.one());
    if (row === undefined) return null;
    if (column === undefined) return row;
    if (!(column in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`);
    return row[column];
  }
  async raw(options = {}) {
    const answer = await this.one();
    return options.columnNames ? [answer.columns, ...answer.rows] : answer.rows;
  }
}

class D1Database {
  constructor(stub) {
    this.stub = stub;
  }
  prepare(sql) {
    return new D1PreparedStatement(this, sql);
  }
  send(statements) {
    return this.stub.batch(statements.map((s) => ({ sql: s.sql, params: s.params })));
  }
  async batch(statements) {
    return (await this.send(statements)).map(result);
  }
  exec(sql) {
    return this.stub.exec(sql);
  }
  withSession() {
    return { prepare: (sql) => this.prepare(sql), batch: (s) => this.batch(s), getBookmark: () => null };
  }
  dump() {
    throw new Error('D1_ERROR: dump() is not supported (the emulator keeps databases in SQLite, not D1 files)');
  }
}

export function wrapWorker(worker, names) {
  const envs = new WeakMap();
  const wrapEnv = (env) => {
    if (env === null || typeof env !== 'object') return env;
    let out = envs.get(env);
    if (!out) {
      out = { ...env };
      for (const name of names) out[name] = new D1Database(env[name]);
      envs.set(env, out);
    }
    return out;
  };
  if (typeof worker === 'function') {
    return class extends worker {
      constructor(ctx, env) {
        super(ctx, wrapEnv(env));
      }
    };
  }
  if (worker === null || typeof worker !== 'object') return worker;
  const out = {};
  for (const key of Object.keys(worker)) {
    const handler = worker[key];
    out[key] = typeof handler === 'function' ? (arg, env, ctx) => handler.call(worker, arg, wrapEnv(env), ctx) : handler;
  }
  return out;
}
