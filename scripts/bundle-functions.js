#!/usr/bin/env node
/**
 * Bundles every Lambda function (functions/<name>/index.ts, except functions/shared) into
 * one minified CommonJS file for the Node.js 22 arm64 runtime, and packs it into a
 * deterministic zip: dist/functions/<name>.zip plus dist/functions/<name>.json holding
 * { sha256Base64, bytes } (the zip's base64 SHA-256 is Terraform's source_code_hash).
 *
 * Determinism: one entry (index.js) with a fixed timestamp (1980-01-01 00:00), fixed
 * permissions (0644), no extra fields, no comments; esbuild output is a pure function of
 * sources and the pinned esbuild version. Same sources and toolchain => same zip bytes
 * => same hash => an unchanged function never redeploys.
 *
 * The AWS SDK v3 is bundled, not left to the runtime's copy: it pins the client version
 * we test with, and one minified file loads faster than the runtime's node_modules tree
 * (figures: docs/performance.md, `npm run bench:processor`). Set BUNDLE_SDK_EXTERNAL=1 to
 * build with the SDK external (used by the benchmark to compare).
 *
 * Usage: node scripts/bundle-functions.js [--out <dir>] [name...]
 */
'use strict';
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');
const { UsageError, commandLineOrExit, parseCommandLine } = require('./lib/cli-args');

const ROOT = path.resolve(__dirname, '..');
const FUNCTIONS_DIR = path.join(ROOT, 'functions');

// CRC-32 (IEEE 802.3), table-driven; zlib.crc32 only exists from Node 22.2.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// MS-DOS date/time of 1980-01-01 00:00:00, the earliest a zip can express.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const UNIX_FILE_MODE = 0o100644;

/**
 * A minimal zip writer (deflate, no zip64, no extra fields). `files` is [{ name, data }];
 * entries are written in byte-wise name order regardless of input order.
 */
function deterministicZip(files) {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const f of sorted) {
    const name = Buffer.from(f.name, 'utf8');
    const data = Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data);
    const compressed = zlib.deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header signature
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    local.writeUInt16LE(8, 8); // method: deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); // central directory header signature
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, spec 2.0 (so the mode below is read)
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk number
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((UNIX_FILE_MODE << 16) >>> 0, 38); // external attributes: Unix mode in the high word
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralSize = centrals.reduce((s, b) => s + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory signature
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** Names of the functions to bundle: every functions/<name>/index.ts except shared/. */
function functionNames(dir = FUNCTIONS_DIR) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'shared' && fs.existsSync(path.join(dir, d.name, 'index.ts')))
    .map((d) => d.name)
    .sort();
}

/** Bundles one function in memory; returns the JavaScript text. */
async function bundle(name, { sdkExternal = false, functionsDir = FUNCTIONS_DIR } = {}) {
  const result = await esbuild.build({
    entryPoints: [path.join(functionsDir, name, 'index.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // Packages that ship both ESM and CJS: prefer the ESM build, which esbuild tree-shakes better.
    mainFields: ['module', 'main'],
    external: sdkExternal ? ['@aws-sdk/*', '@smithy/*'] : [],
    legalComments: 'none',
    sourcemap: false,
    charset: 'utf8',
    write: false,
    logLevel: 'warning',
    metafile: false,
  });
  return result.outputFiles[0].contents;
}

async function buildFunction(name, outDir, options = {}) {
  const code = await bundle(name, options);
  const zip = deterministicZip([{ name: 'index.js', data: Buffer.from(code) }]);
  const manifest = {
    sha256Base64: crypto.createHash('sha256').update(zip).digest('base64'),
    bytes: zip.length,
    bundleBytes: code.length,
  };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, `${name}.zip`), zip);
  fs.writeFileSync(path.join(outDir, `${name}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  return { name, ...manifest };
}

const USAGE = `Usage: node scripts/bundle-functions.js [--out <dir>] [name...]

Bundles and zips functions/<name>/index.ts (every function when no name is given).
  --out <dir>   where the zips and their manifests go (default dist/functions)
  -h, --help    show this help
Environment: BUNDLE_SDK_EXTERNAL=1 leaves the AWS SDK out of the bundle.`;

/**
 * Reads the command line (pure); throws UsageError naming a bad argument.
 * @param {readonly string[]} argv
 * @param {readonly string[]} [known] the functions that exist
 * @returns {{ outDir: string, names: string[] } | { help: true }}
 */
function parseBundleArgs(argv, known = functionNames()) {
  const { values, positionals } = parseCommandLine(argv, { out: { type: 'string' } }, { positionals: true });
  if (values.help) return { help: true };
  if (values.out !== undefined && values.out.trim() === '') throw new UsageError('--out must name a directory, got ""');
  for (const n of positionals)
    if (!known.includes(n)) throw new UsageError(`unknown function "${n}": allowed are ${known.join(', ') || '(none)'} (functions/<name>/index.ts)`);
  return { outDir: values.out === undefined ? path.join(ROOT, 'dist', 'functions') : path.resolve(values.out), names: positionals };
}

async function main(argv) {
  const { outDir, names } = commandLineOrExit('bundle-functions', USAGE, () => parseBundleArgs(argv));
  const sdkExternal = process.env.BUNDLE_SDK_EXTERNAL === '1';
  const results = [];
  for (const n of names.length > 0 ? names : functionNames()) results.push(await buildFunction(n, outDir, { sdkExternal }));
  for (const r of results) process.stdout.write(`bundled ${r.name}: ${r.bundleBytes} B js, ${r.bytes} B zip, sha256 ${r.sha256Base64}\n`);
}

module.exports = { deterministicZip, crc32, functionNames, bundle, buildFunction, parseBundleArgs };

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`bundle-functions: ${e.message}\n`);
    process.exit(1);
  });
}
