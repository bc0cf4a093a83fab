/**
 * The contract over time: a released contract is kept as a snapshot (releases/<version>.json),
 * and every difference between that snapshot and the current definition is classified, so a
 * change that would break a producer or a consumer cannot ship under a version that promises
 * otherwise. Pure code: the snapshot is data, the classifier compares data.
 */
import { EVENT_FIELDS, MAX_EVENT_BYTES } from './event-fields';

/** Version of the event contract (semver). Move it with every change the classifier reports. */
export const CONTRACT_VERSION = '1.0.0';

/** One raw event field as a release records it. */
export interface FieldSnapshot {
  readonly column: string;
  readonly path: readonly string[];
  readonly kind: string;
  readonly required: boolean;
  /** Absent: no length limit. */
  readonly maxLength?: number;
  /** Enum fields only. */
  readonly allowed?: readonly string[];
  /** Source of the pattern; absent: any text. */
  readonly pattern?: string;
}

export interface ContractSnapshot {
  readonly version: string;
  readonly maxEventBytes: number;
  readonly fields: readonly FieldSnapshot[];
}

export type ChangeLevel = 'compatible' | 'breaking';

export interface ContractChange {
  readonly level: ChangeLevel;
  /** The column concerned, or `(record)` for whole-record limits. */
  readonly field: string;
  readonly detail: string;
}

/** The current definition as a snapshot. */
export function contractSnapshot(version: string = CONTRACT_VERSION): ContractSnapshot {
  return {
    version,
    maxEventBytes: MAX_EVENT_BYTES,
    fields: EVENT_FIELDS.map((f): FieldSnapshot => {
      const s: { -readonly [K in keyof FieldSnapshot]: FieldSnapshot[K] } = { column: f.column, path: [...f.path], kind: f.kind, required: f.required };
      if ('maxLength' in f && f.maxLength !== undefined) s.maxLength = f.maxLength;
      if ('allowed' in f && f.allowed) s.allowed = [...f.allowed];
      if ('pattern' in f && f.pattern) s.pattern = f.pattern.source;
      return s;
    }),
  };
}

function fieldChanges(before: FieldSnapshot, after: FieldSnapshot): ContractChange[] {
  const out: ContractChange[] = [];
  const c = (level: ChangeLevel, detail: string) => out.push({ level, field: after.column, detail });
  if (before.kind !== after.kind) c('breaking', `type changed from ${before.kind} to ${after.kind}`);
  if (before.path.join('.') !== after.path.join('.')) c('breaking', `moved from ${before.path.join('.')} to ${after.path.join('.')}`);
  // Either way is breaking: required -> optional makes a NOT NULL warehouse column and every consumer's non-null value wrong.
  if (before.required !== after.required) c('breaking', after.required ? 'became required' : 'became optional (consumers rely on a value)');
  const maxBefore = before.maxLength ?? Infinity;
  const maxAfter = after.maxLength ?? Infinity;
  if (maxAfter > maxBefore) c('compatible', `max length widened from ${maxBefore} to ${maxAfter}`);
  if (maxAfter < maxBefore) c('breaking', `max length narrowed from ${maxBefore} to ${maxAfter}`);
  const allowedBefore = before.allowed ?? [];
  const allowedAfter = after.allowed ?? [];
  const removed = allowedBefore.filter((v) => !allowedAfter.includes(v));
  const added = allowedAfter.filter((v) => !allowedBefore.includes(v));
  if (removed.length > 0) c('breaking', `values no longer allowed: ${removed.join(', ')}`);
  if (added.length > 0) c('compatible', `values newly allowed: ${added.join(', ')}`);
  // Whether one regular expression accepts a superset of another is not decided here: any change is breaking.
  if ((before.pattern ?? '') !== (after.pattern ?? '')) c('breaking', `pattern changed from ${before.pattern ?? '(none)'} to ${after.pattern ?? '(none)'}`);
  return out;
}

/** Every difference from `before` to `after`, each classified. A rename shows as a removal and an addition. */
export function classifyChanges(before: ContractSnapshot, after: ContractSnapshot): ContractChange[] {
  const out: ContractChange[] = [];
  if (after.maxEventBytes > before.maxEventBytes)
    out.push({ level: 'compatible', field: '(record)', detail: `max event bytes widened from ${before.maxEventBytes} to ${after.maxEventBytes}` });
  if (after.maxEventBytes < before.maxEventBytes)
    out.push({ level: 'breaking', field: '(record)', detail: `max event bytes narrowed from ${before.maxEventBytes} to ${after.maxEventBytes}` });
  const afterByColumn = new Map(after.fields.map((f) => [f.column, f]));
  const beforeByColumn = new Map(before.fields.map((f) => [f.column, f]));
  for (const b of before.fields) {
    const a = afterByColumn.get(b.column);
    if (!a) out.push({ level: 'breaking', field: b.column, detail: 'removed (or renamed)' });
    else out.push(...fieldChanges(b, a));
  }
  for (const a of after.fields) {
    if (beforeByColumn.has(a.column)) continue;
    out.push(
      a.required
        ? { level: 'breaking', field: a.column, detail: 'new required field' }
        : { level: 'compatible', field: a.column, detail: 'new optional field' },
    );
  }
  return out;
}

/** The strongest level among the changes, or 'none'. */
export function overallLevel(changes: readonly ContractChange[]): ChangeLevel | 'none' {
  if (changes.some((c) => c.level === 'breaking')) return 'breaking';
  return changes.length > 0 ? 'compatible' : 'none';
}

type Semver = readonly [number, number, number];

export function parseSemver(v: string): Semver {
  const m = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(v);
  if (!m) throw new Error(`contract version "${v}" is not semver MAJOR.MINOR.PATCH (digits, no leading zeros)`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function compareSemver(a: string, b: string): number {
  const [x, y] = [parseSemver(a), parseSemver(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/**
 * Problems with moving from the released snapshot to the current one under `current.version`:
 * a breaking change needs a new major version and a migration note; a compatible one at least a
 * new minor version. Empty when the move is allowed.
 */
export function versionProblems(released: ContractSnapshot, current: ContractSnapshot, migrationNoteExists: (version: string) => boolean): string[] {
  const changes = classifyChanges(released, current);
  const level = overallLevel(changes);
  const [rMajor, rMinor] = parseSemver(released.version);
  const [cMajor, cMinor] = parseSemver(current.version);
  const list = changes.map((c) => `  ${c.level}: ${c.field}: ${c.detail}`).join('\n');
  const problems: string[] = [];
  if (compareSemver(current.version, released.version) < 0) problems.push(`contract version ${current.version} is older than the released ${released.version}`);
  if (level === 'breaking') {
    if (cMajor <= rMajor) problems.push(`breaking contract change needs a new major version (released ${released.version}, now ${current.version}):\n${list}`);
    if (!migrationNoteExists(current.version))
      problems.push(`breaking contract change to ${current.version} needs a migration note docs/contract-migrations/${current.version}.md:\n${list}`);
  } else if (level === 'compatible' && cMajor === rMajor && cMinor <= rMinor) {
    problems.push(`compatible contract change needs at least a new minor version (released ${released.version}, now ${current.version}):\n${list}`);
  }
  return problems;
}
