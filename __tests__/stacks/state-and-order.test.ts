import type * as CliSynthStack from '@cdktf/cli-core/src/lib/synth-stack';
import { App } from 'cdktf';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildApp } from '../../main';
import { REQUIRED_TERRAFORM_VERSION } from '../../stacks/regional-stack';
import { synthPlatform, testConfig, ROLES } from '../helpers/synth';

const REPO = path.resolve(__dirname, '..', '..');

interface Manifest {
  stacks: Record<string, { name: string; synthesizedStackPath: string; workingDirectory: string; dependencies: string[] }>;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Where Terraform, running in the stack's directory, keeps the stack's local state. */
function statePathOf(outdir: string, stackName: string): string {
  const stackDir = path.join(outdir, 'stacks', stackName);
  const backend = readJson<{ terraform: { backend: { local: { path: string } } } }>(path.join(stackDir, 'cdk.tf.json')).terraform.backend.local;
  return path.resolve(stackDir, backend.path);
}

function synthInto(outdir: string, environment: string): Manifest {
  const app = new App({ outdir });
  buildApp(app, testConfig({}, { ENVIRONMENT: environment }));
  app.synth();
  return readJson<Manifest>(path.join(outdir, 'manifest.json'));
}

describe('default local state lives outside the output directory', () => {
  test.each(ROLES)('%s: state/<stack>.tfstate beside cdktf.out, which is the project root for the default output', (role) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-state-'));
    const outdir = path.join(root, 'cdktf.out');
    const manifest = synthInto(outdir, 'analytics');
    const stack = Object.values(manifest.stacks).find((s) => s.name.endsWith(`-${role}`))!;
    const state = statePathOf(outdir, stack.name);
    expect(state).toBe(path.join(root, 'state', `${stack.name}.tfstate`));
    expect(path.relative(outdir, state).startsWith('..')).toBe(true);
  });

  test('.gitignore keeps state/ out of the repository', () => {
    const ignored = fs
      .readFileSync(path.join(REPO, '.gitignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).toContain('state/');
  });

  test("synthesizing another environment with the cdktf CLI leaves the first environment's state untouched", async () => {
    process.env.CHECKPOINT_DISABLE = '1';
    // The CLI's own synth step: it deletes stack folders the app no longer synthesizes.
    // Loaded here, not at the top: only this test needs the CLI's (large) core.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SynthStack } = require('@cdktf/cli-core/src/lib/synth-stack') as typeof CliSynthStack;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-orphans-'));
    const outdir = path.join(root, 'cdktf.out');
    const synth = (environment: string) => {
      const script =
        "const m = require('./main'); const { loadConfig } = require('./stacks/config/load'); m.synthOrExit((app) => m.buildApp(app, loadConfig(process.env)));";
      const command = `ENVIRONMENT=${environment} ${JSON.stringify(process.execPath)} -r ts-node/register/transpile-only -e ${JSON.stringify(script)}`;
      return SynthStack.synth(new AbortController().signal, command, outdir, REPO, true);
    };

    const first = await synth('staging');
    const states = first.map((stack) => statePathOf(outdir, stack.name));
    for (const state of states) {
      fs.mkdirSync(path.dirname(state), { recursive: true });
      fs.writeFileSync(state, JSON.stringify({ version: 4, serial: 7, resources: [] }));
    }
    const second = await synth('qa');

    expect(second.map((s) => s.name).sort()).toEqual(['data-analytics-ml-qa-dr', 'data-analytics-ml-qa-primary']);
    for (const stack of first) expect(fs.existsSync(path.join(outdir, 'stacks', stack.name))).toBe(false);
    for (const state of states) expect(readJson<{ serial: number }>(state).serial).toBe(7);
    fs.rmSync(outdir, { recursive: true });
    for (const state of states) expect(fs.existsSync(state)).toBe(true);
  }, 240_000);
});

describe('the terraform block', () => {
  test.each(ROLES)('%s requires a Terraform with S3-native state locking', (role) => {
    expect(REQUIRED_TERRAFORM_VERSION).toBe('>= 1.10');
    const local = synthPlatform().stacks[role].terraform!;
    expect(local.required_version).toBe(REQUIRED_TERRAFORM_VERSION);
    const remote = synthPlatform({}, { TF_STATE_BUCKET: 'team-state' }).stacks[role].terraform!;
    expect(remote.required_version).toBe(REQUIRED_TERRAFORM_VERSION);
    expect(remote.backend.s3).toMatchObject({ bucket: 'team-state', use_lockfile: true, encrypt: true });
  });
});

describe('deploy order', () => {
  test("the primary depends on the DR stack, so cdktf deploy/destroy '*' order themselves", () => {
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'daml-order-')), 'cdktf.out');
    const manifest = synthInto(outdir, 'analytics');
    expect(manifest.stacks['data-analytics-ml-analytics-primary'].dependencies).toEqual(['data-analytics-ml-analytics-dr']);
    expect(manifest.stacks['data-analytics-ml-analytics-dr'].dependencies).toEqual([]);
  });
});
