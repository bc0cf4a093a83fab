import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  classifyChanges,
  compareSemver,
  contractSnapshot,
  overallLevel,
  versionProblems,
  type ContractSnapshot,
  type FieldSnapshot,
} from '../../../functions/shared/contract/compatibility';

const RELEASES = path.resolve(__dirname, '../../../functions/shared/contract/releases');
const MIGRATIONS = path.resolve(__dirname, '../../../docs/contract-migrations');

function latestRelease(): ContractSnapshot {
  const versions = fs
    .readdirSync(RELEASES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort(compareSemver);
  return JSON.parse(fs.readFileSync(path.join(RELEASES, `${versions[versions.length - 1]}.json`), 'utf8')) as ContractSnapshot;
}

describe('the current contract against its last release', () => {
  it('moves the version as its changes require (breaking: new major and docs/contract-migrations/<version>.md; compatible: new minor)', () => {
    const problems = versionProblems(latestRelease(), contractSnapshot(), (v) => fs.existsSync(path.join(MIGRATIONS, `${v}.md`)));
    expect(problems).toEqual([]);
  });
});

const field: fc.Arbitrary<FieldSnapshot> = fc.record(
  {
    column: fc.stringMatching(/^[a-z][a-z_]{0,8}$/),
    path: fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 3 }),
    kind: fc.constantFrom('string', 'timestamp', 'enum'),
    required: fc.boolean(),
    maxLength: fc.integer({ min: 1, max: 4096 }),
    allowed: fc.uniqueArray(fc.stringMatching(/^[a-z]{1,5}$/), { maxLength: 5 }),
    pattern: fc.constantFrom('^[a-z]+$', '^.*$'),
  },
  { requiredKeys: ['column', 'path', 'kind', 'required'] },
);
const contract: fc.Arbitrary<ContractSnapshot> = fc.record({
  version: fc.constant('1.0.0'),
  maxEventBytes: fc.integer({ min: 1024, max: 1 << 20 }),
  fields: fc.uniqueArray(field, { selector: (f) => f.column, maxLength: 8 }),
});
const withNewField = fc.tuple(contract, field).filter(([c, f]) => !c.fields.some((g) => g.column === f.column));

describe('classifyChanges', () => {
  it('finds no change between a contract and itself', () => {
    fc.assert(fc.property(contract, (c) => expect(classifyChanges(c, c)).toEqual([])));
  });

  it('calls a new optional field compatible and a new required field breaking', () => {
    fc.assert(
      fc.property(withNewField, ([c, f]) => {
        const after = { ...c, fields: [...c.fields, f] };
        expect(overallLevel(classifyChanges(c, after))).toBe(f.required ? 'breaking' : 'compatible');
      }),
    );
  });

  it('calls removing any field breaking, and renaming it too', () => {
    fc.assert(
      fc.property(
        contract.filter((c) => c.fields.length > 0),
        fc.nat(),
        (c, i) => {
          const victim = c.fields[i % c.fields.length];
          const removed = { ...c, fields: c.fields.filter((f) => f !== victim) };
          expect(overallLevel(classifyChanges(c, removed))).toBe('breaking');
          const renamed = { ...c, fields: c.fields.map((f) => (f === victim ? { ...f, column: `${f.column}_renamed` } : f)) };
          expect(overallLevel(classifyChanges(c, renamed))).toBe('breaking');
        },
      ),
    );
  });

  it('calls a wider limit compatible and the same limit narrowed breaking', () => {
    fc.assert(
      fc.property(
        contract.filter((c) => c.fields.some((f) => f.maxLength !== undefined)),
        fc.integer({ min: 1, max: 1000 }),
        (c, extra) => {
          const wider = { ...c, fields: c.fields.map((f) => (f.maxLength !== undefined ? { ...f, maxLength: f.maxLength + extra } : f)) };
          expect(overallLevel(classifyChanges(c, wider))).toBe('compatible');
          expect(overallLevel(classifyChanges(wider, c))).toBe('breaking');
        },
      ),
    );
  });

  it('calls an enlarged enum compatible and a type change breaking', () => {
    fc.assert(
      fc.property(withNewField, fc.stringMatching(/^[A-Z]{1,4}$/), ([c, f], value) => {
        const base = { ...c, fields: [...c.fields, { ...f, kind: 'enum', allowed: f.allowed ?? [] }] };
        const larger = { ...base, fields: base.fields.map((g) => (g.column === f.column ? { ...g, allowed: [...(g.allowed ?? []), value] } : g)) };
        expect(overallLevel(classifyChanges(base, larger))).toBe('compatible');
        const retyped = { ...base, fields: base.fields.map((g) => (g.column === f.column ? { ...g, kind: 'string' } : g)) };
        expect(overallLevel(classifyChanges(base, retyped))).toBe('breaking');
      }),
    );
  });

  it('never calls both a change and its inverse compatible', () => {
    fc.assert(
      fc.property(contract, contract, (a, b) => {
        const forward = overallLevel(classifyChanges(a, b));
        const back = overallLevel(classifyChanges(b, a));
        if (forward === 'compatible') expect(back).toBe('breaking');
        if (forward === 'none') expect(back).toBe('none');
      }),
    );
  });
});

describe('versionProblems', () => {
  const released = contractSnapshot('1.4.2');
  const optional: FieldSnapshot = { column: 'referrer', path: ['data', 'referrer'], kind: 'string', required: false, maxLength: 2048 };
  const compatible = (version: string) => ({ ...released, version, fields: [...released.fields, optional] });
  const breaking = (version: string) => ({ ...released, version, fields: released.fields.slice(1) });

  it('wants at least a minor bump for a compatible change', () => {
    expect(versionProblems(released, compatible('1.4.3'), () => false)).toEqual([expect.stringContaining('at least a new minor version')]);
    expect(versionProblems(released, compatible('1.5.0'), () => false)).toEqual([]);
    expect(versionProblems(released, compatible('2.0.0'), () => false)).toEqual([]);
  });

  it('wants a new major version and a migration note for a breaking change', () => {
    expect(versionProblems(released, breaking('1.5.0'), () => true)).toEqual([expect.stringContaining('new major version')]);
    expect(versionProblems(released, breaking('2.0.0'), () => false)).toEqual([expect.stringContaining('docs/contract-migrations/2.0.0.md')]);
    expect(versionProblems(released, breaking('2.0.0'), (v) => v === '2.0.0')).toEqual([]);
  });

  it('refuses a version older than the release and a version that is not semver', () => {
    expect(versionProblems(released, { ...released, version: '1.4.1' }, () => false)).toEqual([expect.stringContaining('older than the released')]);
    expect(() => versionProblems(released, { ...released, version: '1.04.2' }, () => false)).toThrow(/not semver/);
  });
});
