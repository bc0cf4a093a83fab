import * as fs from 'fs';
import * as path from 'path';

/**
 * The shape of the code base as a test: no import cycles anywhere (type-only imports included, as
 * a reader follows them too), and the stacks read top-down: app -> stack -> platform -> constructs
 * -> policy, with the functions knowing nothing of the infrastructure that deploys them.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SOURCE_DIRS = ['main.ts', 'stacks', 'functions', 'local', 'local-deploy', 'scripts'];

function sourceFiles(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (!fs.existsSync(full)) return [];
  if (fs.statSync(full).isFile()) return /\.(ts|js)$/.test(full) ? [full] : [];
  return fs.readdirSync(full).flatMap((name) => (name === 'node_modules' ? [] : sourceFiles(path.join(entry, name))));
}

/** Relative imports of a file (static, dynamic, re-exports and require), resolved to files. */
export function relativeImports(file: string, source: string): string[] {
  const specifiers = [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]!);
  return specifiers.flatMap((specifier) => {
    const base = path.resolve(path.dirname(file), specifier);
    const candidate = [`${base}.ts`, `${base}.js`, path.join(base, 'index.ts'), base].find((p) => fs.existsSync(p) && fs.statSync(p).isFile());
    return candidate && /\.(ts|js)$/.test(candidate) ? [candidate] : [];
  });
}

function importGraph(): Map<string, string[]> {
  const files = SOURCE_DIRS.flatMap(sourceFiles);
  return new Map(files.map((file) => [file, relativeImports(file, fs.readFileSync(file, 'utf8'))]));
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const lowlinks = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    lowlinks.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        lowlinks.set(node, Math.min(lowlinks.get(node)!, lowlinks.get(next)!));
      } else if (onStack.has(next)) {
        lowlinks.set(node, Math.min(lowlinks.get(node)!, indices.get(next)!));
      }
    }
    if (lowlinks.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

const relative = (file: string) => path.relative(ROOT, file);

describe('import graph', () => {
  const graph = importGraph();

  test('the cycle finder finds a cycle, a self-import, and nothing in a chain', () => {
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
    expect(cycles(new Map([['a', ['a']]]))).toEqual([['a']]);
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
    ).toEqual([]);
  });

  test('reads the sources it is meant to judge', () => {
    expect(graph.size).toBeGreaterThan(100);
    const platform = [...graph.entries()].find(([file]) => relative(file) === 'stacks/regional-platform.ts');
    expect(platform?.[1].map(relative)).toContain('stacks/constructs/alerting.ts');
  });

  test('has no cycles', () => {
    expect(cycles(graph).map((component) => component.map(relative))).toEqual([]);
  });

  /** Layers, top first: a file may import its own layer or lower ones only. */
  const STACK_LAYERS: readonly [string, RegExp][] = [
    ['app', /^(main\.ts|local-deploy\/)/],
    ['stack', /^stacks\/regional-stack\.ts$/],
    ['platform', /^stacks\/regional-platform\.ts$/],
    ['constructs', /^stacks\/constructs\//],
    ['policy', /^stacks\/policy\//],
    ['foundation', /^stacks\/(config\/|iam\.ts$|naming\.ts$|network-layout\.ts$|provider\.ts$|platform-context\.ts$|athena-queries\.ts$)/],
    ['synthesized stack view', /^stacks\/synthesized-stack\.js$/],
  ];
  const layerOf = (file: string) => STACK_LAYERS.findIndex(([, pattern]) => pattern.test(relative(file)));

  test('stacks/ reads top-down: app -> stack -> platform -> constructs -> policy', () => {
    const upward = [...graph.entries()].flatMap(([file, imports]) => {
      const layer = layerOf(file);
      return layer < 0
        ? []
        : imports.filter((target) => layerOf(target) >= 0 && layerOf(target) < layer).map((target) => `${relative(file)} -> ${relative(target)}`);
    });
    expect(upward).toEqual([]);
  });

  test('functions import nothing from the stacks, the local run or the scripts', () => {
    const outward = [...graph.entries()]
      .filter(([file]) => relative(file).startsWith('functions/'))
      .flatMap(([file, imports]) =>
        imports.filter((target) => !relative(target).startsWith('functions/')).map((target) => `${relative(file)} -> ${relative(target)}`),
      );
    expect(outward).toEqual([]);
  });
});
