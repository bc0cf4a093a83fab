/**
 * Prints the generated parts of docs/data-flow.md from the code that defines them (the event
 * contract, the feature layout, the saved Athena queries), so the document cannot drift:
 *
 *   npx ts-node --transpile-only scripts/print-contract.ts            # print the blocks
 *   npx ts-node --transpile-only scripts/print-contract.ts --write    # rewrite them in docs/data-flow.md
 *
 * A test (__tests__/functions/data-flow-doc.test.ts) fails when the document differs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EVENT_FIELDS, MAX_EVENT_BYTES, PARTITION_KEYS, TABLES, glueColumns, type TableId } from '../functions/shared/contract';
import { contractSnapshot, CONTRACT_VERSION } from '../functions/shared/contract/compatibility';
import { eventJsonSchema } from '../functions/shared/contract/json-schema';
import { FEATURE_NAMES } from '../functions/shared/features';
import { catalogViews, namedQueries } from '../stacks/athena-queries';
import { commandLineOrExit, parseCommandLine, UsageError } from './lib/cli-args';

/** docs/data-flow.md, from scripts/ (ts-node) or dist/scripts/ (compiled). */
export const DATA_FLOW_DOC =
  [path.resolve(__dirname, '..', 'docs', 'data-flow.md'), path.resolve(__dirname, '..', '..', 'docs', 'data-flow.md')].find((p) => fs.existsSync(p)) ??
  path.resolve(__dirname, '..', 'docs', 'data-flow.md');

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function eventFieldsTable(): string {
  const rows = EVENT_FIELDS.map((f) => {
    const constraints: string[] = [];
    if ('allowed' in f && f.allowed) constraints.push(`one of ${f.allowed.map((a) => `\`${a}\``).join(', ')}`);
    if (f.kind === 'timestamp') constraints.push('ISO-8601 with zone; 2000-01-01 to 24 h after arrival');
    if ('maxLength' in f && f.maxLength !== undefined && f.kind !== 'timestamp') constraints.push(`≤ ${f.maxLength} chars`);
    if ('patternAllowed' in f && f.patternAllowed) constraints.push(f.patternAllowed);
    return `| \`${f.path.join('.')}\` | \`${f.column}\` | ${f.kind} | ${f.required ? 'yes' : 'no'} | ${cell(constraints.join('; '))} | ${cell(f.description)} |`;
  });
  return [
    `Whole record: UTF-8 JSON object, at most ${MAX_EVENT_BYTES} bytes. Unknown extra properties are ignored.`,
    '',
    '| field in the event | column | type | required | constraints | description |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function tableColumns(id: TableId): string {
  const spec = TABLES[id];
  return [
    `**\`${spec.name}\`** (\`${spec.prefix}\`, partitioned by \`${spec.partitionTime}\` into ${PARTITION_KEYS.map((k) => `\`${k.name}\``).join('/')}): ${spec.description}.`,
    '',
    '| column | Glue type | description |',
    '|---|---|---|',
    ...glueColumns(id).map((c) => `| \`${c.name}\` | ${c.type} | ${cell(c.comment)} |`),
  ].join('\n');
}

export function generatedBlocks(): Record<string, string> {
  return {
    'event-fields': eventFieldsTable(),
    tables: (Object.keys(TABLES) as TableId[]).map(tableColumns).join('\n\n'),
    features: FEATURE_NAMES.map((n, i) => `${i}. \`${n}\``).join('\n'),
    queries: namedQueries('<database>')
      .map(
        (q) =>
          `**${q.name}**${q.parameters ? ` (\`npm run query -- ${q.id} ${q.parameters.map((p) => `--param ${p.name}=${p.example}`).join(' ')}\`)` : ` (\`npm run query -- ${q.id}\`)`}: ${q.description}.\n\n\`\`\`sql\n${q.sql}\n\`\`\``,
      )
      .join('\n\n'),
    views: catalogViews('<database>')
      .map((v) =>
        [
          `**\`${v.name}\`**: ${v.description}.`,
          '',
          '| column | type | description |',
          '|---|---|---|',
          ...v.columns.map((c) => `| \`${c.name}\` | ${c.type} | ${cell(c.description)} |`),
        ].join('\n'),
      )
      .join('\n\n'),
  };
}

/** Replaces the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` markers. */
export function renderDoc(doc: string, blocks: Record<string, string> = generatedBlocks()): string {
  let out = doc;
  for (const [name, body] of Object.entries(blocks)) {
    const re = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`docs/data-flow.md has no <!-- generated:${name} --> ... <!-- /generated:${name} --> block`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}${body}\n${close}`);
  }
  return out;
}

/** Released contract snapshots, one JSON file per version (compared with the definition by a test). */
export const RELEASES_DIR =
  [
    path.resolve(__dirname, '..', 'functions', 'shared', 'contract', 'releases'),
    path.resolve(__dirname, '..', '..', 'functions', 'shared', 'contract', 'releases'),
  ].find((p) => fs.existsSync(p)) ?? path.resolve(__dirname, '..', 'functions', 'shared', 'contract', 'releases');

export const USAGE = `Usage: print-contract [--write | --release | --json-schema]

Prints the generated blocks of docs/data-flow.md (event contract, tables, features, saved queries, catalog views).
  --write      rewrite those blocks in docs/data-flow.md instead
  --json-schema  print the raw event as JSON Schema (draft 2020-12) instead
  --release    write the current contract as functions/shared/contract/releases/<version>.json
  -h, --help   show this help`;

/** Reads the command line (pure); throws UsageError naming a bad argument. */
export function parsePrintContractArgs(argv: readonly string[]): { write: boolean; release: boolean; jsonSchema: boolean } | { help: true } {
  const { values } = parseCommandLine(argv, { write: { type: 'boolean' }, release: { type: 'boolean' }, 'json-schema': { type: 'boolean' } });
  if (values.help) return { help: true };
  const chosen = (['write', 'release', 'json-schema'] as const).filter((k) => values[k]);
  if (chosen.length > 1) throw new UsageError(`choose one of --write, --release, --json-schema (got ${chosen.map((k) => `--${k}`).join(' and ')})`);
  return { write: values.write ?? false, release: values.release ?? false, jsonSchema: values['json-schema'] ?? false };
}

if (require.main === module) {
  const args = commandLineOrExit('print-contract', USAGE, () => parsePrintContractArgs(process.argv.slice(2)));
  if (args.jsonSchema) {
    process.stdout.write(`${JSON.stringify(eventJsonSchema(), null, 2)}\n`);
  } else if (args.release) {
    const file = path.join(RELEASES_DIR, `${CONTRACT_VERSION}.json`);
    fs.writeFileSync(file, `${JSON.stringify(contractSnapshot(), null, 2)}\n`);
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  } else if (args.write) {
    fs.writeFileSync(DATA_FLOW_DOC, renderDoc(fs.readFileSync(DATA_FLOW_DOC, 'utf8')));
    process.stdout.write(`updated ${path.relative(process.cwd(), DATA_FLOW_DOC)}\n`);
  } else {
    for (const [name, body] of Object.entries(generatedBlocks())) process.stdout.write(`<!-- generated:${name} -->\n${body}\n<!-- /generated:${name} -->\n\n`);
  }
}
