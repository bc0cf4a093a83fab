// Hosts PGlite in a worker thread: jest's module sandbox cannot run PGlite's dynamic imports,
// a worker is plain Node. Protocol: { id, method, args } -> { id, result } | { id, error }, for
// the PGlite methods the warehouse stand-in uses (query, exec, isInTransaction).
const { parentPort } = require('node:worker_threads');
const { PGlite } = require('@electric-sql/pglite');

const METHODS = new Set(['query', 'exec', 'isInTransaction']);
const db = new PGlite();
parentPort.on('message', async ({ id, method, args }) => {
  try {
    if (!METHODS.has(method)) throw new Error(`PGlite worker: method ${method} is not served (allowed: ${[...METHODS].join(', ')})`);
    const result = await db[method](...args);
    parentPort.postMessage({ id, result: method === 'exec' ? null : result });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: error.message, code: error.code } });
  }
});
