import * as fs from 'fs';
import * as path from 'path';

/** Where `npm run build` (scripts/bundle-functions.js) leaves each function's deterministic zip. */
export const BUNDLE_DIR = bundleDirectory();

function bundleDirectory(): string {
  // Two levels up is the repository when running from sources, and dist/ when running compiled.
  const root = path.resolve(__dirname, '..', '..');
  return path.basename(root) === 'dist' ? path.join(root, 'functions') : path.join(root, 'dist', 'functions');
}

export interface FunctionBundle {
  readonly zipPath: string;
  /** Base64 SHA-256 of the zip: Terraform's `source_code_hash`. */
  readonly sha256Base64: string;
  readonly bytes: number;
}

/** Reads the bundle manifest of `functions/<name>`, failing with the command that fixes it. */
export function functionBundle(name: string, bundleDir: string = BUNDLE_DIR): FunctionBundle {
  const zipPath = path.join(bundleDir, `${name}.zip`);
  const manifestPath = path.join(bundleDir, `${name}.json`);
  if (!fs.existsSync(zipPath) || !fs.existsSync(manifestPath)) {
    throw new Error(`function bundle "${name}" not found in ${bundleDir}: run \`npm run build\` (it bundles functions/${name}/index.ts) before synthesizing`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { sha256Base64: string; bytes: number };
  return { zipPath, sha256Base64: manifest.sha256Base64, bytes: manifest.bytes };
}
