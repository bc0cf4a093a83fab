// Hosts PGlite in a worker thread: jest's module sandbox cannot run PGlite's dynamic imports,
// a worker is plain Node. Protocol: { id, sql, params } -> { id, rows, affectedRows } | { id, error }.
const { parentPort } = require('node:worker_threads');
const { PGlite } = require('@electric-sql/pglite');

const db = new PGlite();
parentPort.on('message', async ({ id, sql, params }) => {
  try {
    const result = await db.query(sql, params);
    parentPort.postMessage({ id, rows: result.rows, affectedRows: result.affectedRows });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: error.message, code: error.code } });
  }
});
