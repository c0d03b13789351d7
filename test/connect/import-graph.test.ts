// The import graph of lib/connect: no cycle, and no module that imports an index (its own folder's or a parent's),
// which is how a cycle through the index closes. Read from the sources with TypeScript's parser, so that type-only
// imports count too.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const CONNECT = path.join(__dirname, '..', '..', 'lib', 'connect');

/** Every module of lib/connect, by absolute path, with the modules of lib/connect it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) { visit(file); continue; }
      if (!entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) { continue; }
      graph.set(file, importsOf(file));
    }
  };
  visit(CONNECT);
  return graph;
}

/** The relative imports and re-exports of `file`, resolved to files. */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement))
      && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers.filter((s) => s.startsWith('.')).map((s) => resolveModule(file, s));
}

function resolveModule(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate)) { return candidate; }
  }
  throw new Error(`${path.relative(CONNECT, from)} imports '${specifier}', which does not resolve`);
}

/** A cycle of the graph, if it has one. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') { return undefined; }
    if (state.get(node) === 'visiting') { return [...stack.slice(stack.indexOf(node)), node]; }
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) { continue; } // outside lib/connect
      const cycle = visit(next);
      if (cycle) { return cycle; }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) { return cycle; }
  }
  return undefined;
}

const relative = (file: string) => path.relative(CONNECT, file);

describe('the imports of lib/connect', () => {
  const graph = importGraph();

  test('reads every module', () => {
    expect(graph.size).toBeGreaterThan(30);
    expect([...graph.keys()].map(relative)).toContain(path.join('core', 'provided-binding.ts'));
  });

  test('make no cycle', () => {
    expect(findCycle(graph)?.map(relative)).toBeUndefined();
  });

  test('never import an index: the rest of the library imports lib/connect through it, never its own modules', () => {
    const intoIndex = [...graph].flatMap(([file, imports]) =>
      imports.filter((imported) => path.basename(imported) === 'index.ts').map((imported) => `${relative(file)} -> ${relative(imported)}`));
    expect(intoIndex).toEqual([]);
  });

  test('stay inside lib/connect: a floor the rest of the library stands on, never the other way round', () => {
    const outside = [...graph].flatMap(([file, imports]) =>
      imports.filter((imported) => !imported.startsWith(CONNECT + path.sep)).map((imported) => `${relative(file)} -> ${imported}`));
    expect(outside).toEqual([]);
  });

  test('the checks find a cycle and an import of an index', () => {
    const a = path.join(CONNECT, 'a.ts');
    const b = path.join(CONNECT, 'b.ts');
    expect(findCycle(new Map([[a, [b]], [b, [a]]]))?.map(relative)).toEqual(['a.ts', 'b.ts', 'a.ts']);
    expect(findCycle(new Map([[a, [b]], [b, []]]))).toBeUndefined();
    expect(resolveModule(path.join(CONNECT, 'targets', 'custom', 'custom-target.ts'), '../..')).toBe(path.join(CONNECT, 'index.ts'));
  });
});
