import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const bundler = require('../../scripts/bundle-functions.js') as {
  deterministicZip: (files: { name: string; data: Buffer }[]) => Buffer;
  crc32: (b: Buffer) => number;
  functionNames: (dir?: string) => string[];
  buildFunction: (name: string, outDir: string, options?: { functionsDir?: string }) => Promise<{ sha256Base64: string; bytes: number; bundleBytes: number }>;
};

interface Entry {
  name: string;
  data: Buffer;
  dosTime: number;
  dosDate: number;
  unixMode: number;
  crc: number;
}

/** Reads a zip through its central directory, checking each local header agrees with it. */
function readZip(zip: Buffer): Entry[] {
  const eocd = zip.length - 22;
  expect(zip.readUInt32LE(eocd)).toBe(0x06054b50);
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(p)).toBe(0x02014b50);
    const method = zip.readUInt16LE(p + 10);
    const dosTime = zip.readUInt16LE(p + 12);
    const dosDate = zip.readUInt16LE(p + 14);
    const crc = zip.readUInt32LE(p + 16);
    const csize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const unixMode = zip.readUInt32LE(p + 38) >>> 16;
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    expect(zip.readUInt32LE(localOffset)).toBe(0x04034b50);
    expect(zip.readUInt32LE(localOffset + 14)).toBe(crc);
    const localNameLen = zip.readUInt16LE(localOffset + 26);
    const localExtra = zip.readUInt16LE(localOffset + 28);
    const start = localOffset + 30 + localNameLen + localExtra;
    expect(method).toBe(8);
    const data = zlib.inflateRawSync(zip.subarray(start, start + csize));
    expect(data.length).toBe(size);
    entries.push({ name, data, dosTime, dosDate, unixMode, crc });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

describe('deterministic zip', () => {
  it('computes the standard CRC-32', () => {
    expect(bundler.crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(bundler.crc32(Buffer.alloc(0))).toBe(0);
  });

  it('writes sorted entries with fixed 1980-01-01 timestamps and 0644 modes, whatever the input order', () => {
    const a = { name: 'b.js', data: Buffer.from('second') };
    const b = { name: 'a.js', data: Buffer.from('first'.repeat(100)) };
    const zip1 = bundler.deterministicZip([a, b]);
    const zip2 = bundler.deterministicZip([b, a]);
    expect(zip1.equals(zip2)).toBe(true);
    const entries = readZip(zip1);
    expect(entries.map((e) => e.name)).toEqual(['a.js', 'b.js']);
    for (const e of entries) {
      expect([e.dosTime, e.dosDate]).toEqual([0, (0 << 9) | (1 << 5) | 1]);
      expect(e.unixMode).toBe(0o100644);
      expect(e.crc).toBe(bundler.crc32(e.data));
    }
    expect(entries[0]!.data.toString()).toBe('first'.repeat(100));
  });
});

describe('bundle-functions', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-test-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('finds every functions/<name>/index.ts except shared', () => {
    const names = bundler.functionNames();
    expect(names).toContain('stream-processor');
    expect(names).not.toContain('shared');
  });

  it("same sources give the same zip bytes and hash; the manifest is the zip's base64 SHA-256", async () => {
    const m1 = await bundler.buildFunction('stream-processor', path.join(tmp, 'one'));
    const m2 = await bundler.buildFunction('stream-processor', path.join(tmp, 'two'));
    const z1 = fs.readFileSync(path.join(tmp, 'one', 'stream-processor.zip'));
    const z2 = fs.readFileSync(path.join(tmp, 'two', 'stream-processor.zip'));
    expect(z1.equals(z2)).toBe(true);
    expect(m1).toEqual(m2);
    expect(m1.sha256Base64).toBe(createHash('sha256').update(z1).digest('base64'));
    expect(m1.bytes).toBe(z1.length);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'one', 'stream-processor.json'), 'utf8'))).toEqual({
      sha256Base64: m1.sha256Base64,
      bytes: m1.bytes,
      bundleBytes: m1.bundleBytes,
    });
    expect(readZip(z1).map((e) => e.name)).toEqual(['index.js']);
  });

  it('a source change changes the hash, and reverting it restores the hash', async () => {
    const fdir = path.join(tmp, 'functions');
    fs.mkdirSync(path.join(fdir, 'hello'), { recursive: true });
    const src = path.join(fdir, 'hello', 'index.ts');
    fs.writeFileSync(src, 'export const handler = async () => "a";\n');
    const a = await bundler.buildFunction('hello', path.join(tmp, 'h1'), { functionsDir: fdir });
    fs.writeFileSync(src, 'export const handler = async () => "b";\n');
    const b = await bundler.buildFunction('hello', path.join(tmp, 'h2'), { functionsDir: fdir });
    fs.writeFileSync(src, 'export const handler = async () => "a";\n');
    const c = await bundler.buildFunction('hello', path.join(tmp, 'h3'), { functionsDir: fdir });
    expect(b.sha256Base64).not.toBe(a.sha256Base64);
    expect(c.sha256Base64).toBe(a.sha256Base64);
  });

  it('the bundled stream processor loads in a fresh Node process and exports handler', () => {
    const dir = path.join(tmp, 'run');
    fs.mkdirSync(dir, { recursive: true });
    const zip = fs.readFileSync(path.join(tmp, 'one', 'stream-processor.zip'));
    fs.writeFileSync(path.join(dir, 'index.js'), readZip(zip)[0]!.data);
    const out = execFileSync(process.execPath, ['-e', 'process.stdout.write(typeof require("./index.js").handler)'], {
      cwd: dir,
      env: { PATH: process.env.PATH, LAKE_BUCKET: 'lake-bucket', AWS_REGION: 'us-east-1' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(out).toBe('function');
  });
});
