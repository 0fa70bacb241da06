// The house rules that no lint rule states, checked on the real source with TypeScript's own
// parser and type checker: no import cycles; the protocol library imports only what the
// architecture allows it; shared/ imports no service; Lambda code never imports the engine;
// and no module of services/iax2 writes a field of an object another module defines (it
// asks the owner through a method instead).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import ts from 'typescript';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function sources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sources(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

const files = [...sources('services'), ...sources('shared'), ...sources('infra')].sort();

/** Every import and export-from in a file: relative ones resolved to repo paths, others as written. */
function importsOf(file: string, program: ts.Program): string[] {
  const source = program.getSourceFile(join(root, file))!;
  const found: string[] = [];
  for (const statement of source.statements) {
    const specifier = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) ? statement.moduleSpecifier : undefined;
    if (specifier === undefined || !ts.isStringLiteral(specifier)) continue;
    const text = specifier.text;
    found.push(text.startsWith('.') ? relative(root, resolve(root, dirname(file), text)) : text);
  }
  return found;
}

const program = ts.createProgram(files.map((f) => join(root, f)), { allowImportingTsExtensions: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true });
const graph = new Map(files.map((file) => [file, importsOf(file, program)]));

/** Strongly connected components with more than one file (or a file importing itself). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    indices.set(file, index);
    low.set(file, index++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!indices.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, indices.get(target)!));
      }
    }
    if (low.get(file) === indices.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (graph.get(file) ?? []).includes(file)) found.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!indices.has(file)) visit(file);
  return found;
}

/** An expression that makes a fresh object: what a module builds itself is its own to fill in. */
function isFresh(expression: ts.Expression | undefined): boolean {
  return expression !== undefined && (ts.isObjectLiteralExpression(expression) || ts.isArrayLiteralExpression(expression) || ts.isNewExpression(expression));
}

/**
 * Writes (=, op=, ++, --) to a field of an object this module did not make (one it was given:
 * a parameter, an injected field) and whose type another module of the repository defines.
 * Objects the module made itself (a field initialised with a literal or `new`, a local built
 * the same way) are its own state; built-in types (arrays, Maps) are not counted.
 */
function foreignWrites(file: string, within: ts.Program = program, base = root): string[] {
  const checker = within.getTypeChecker();
  const source = within.getSourceFile(join(base, file))!;
  const found: string[] = [];
  const madeHere = (declaration: ts.Declaration): boolean => {
    if (ts.isVariableDeclaration(declaration)) return isFresh(declaration.initializer);
    if (ts.isPropertyDeclaration(declaration)) {
      if (isFresh(declaration.initializer)) return true;
      // A field assigned a fresh object somewhere in its own class (e.g. in the constructor).
      const name = declaration.name.getText();
      let fresh = false;
      const look = (node: ts.Node): void => {
        if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left) &&
          node.left.expression.kind === ts.SyntaxKind.ThisKeyword && node.left.name.text === name && isFresh(node.right)) fresh = true;
        ts.forEachChild(node, look);
      };
      look(declaration.parent);
      return fresh;
    }
    return false; // a parameter, or anything else handed in
  };
  const foreign = (target: ts.PropertyAccessExpression): boolean => {
    const receiver = target.expression;
    if (receiver.kind === ts.SyntaxKind.ThisKeyword) return false;
    const type = checker.getTypeAtLocation(receiver);
    const typeDeclarations = (type.aliasSymbol ?? type.getSymbol())?.getDeclarations() ?? [];
    // Types this module defines are its own business; so are built-in ones (arrays, Maps).
    const otherModule = typeDeclarations.length > 0 && typeDeclarations.every((d) => d.getSourceFile() !== source) &&
      typeDeclarations.some((d) => !d.getSourceFile().fileName.includes('node_modules') && d.getSourceFile().fileName.startsWith(base));
    if (!otherModule) return false;
    const holder = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(receiver) ? receiver.name : receiver);
    const declarations = holder?.getDeclarations() ?? [];
    return !declarations.some((d) => d.getSourceFile() === source && madeHere(d));
  };
  const check = (target: ts.Expression, node: ts.Node): void => {
    if (!ts.isPropertyAccessExpression(target) || !foreign(target)) return;
    const { line } = source.getLineAndCharacterOfPosition(node.getStart());
    found.push(`${file}:${line + 1}: ${node.getText().slice(0, 80)}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) check(node.left, node);
    if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) check(node.operand, node);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('house rules', () => {
  it('no import cycles in services/, shared/ or infra/', () => {
    assert.ok(files.length > 150, `read ${files.length} files`);
    assert.deepEqual(cycles(graph), []);
    // The finder itself: a three-file loop and a self-import are found, a chain is not.
    const loop = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['d.ts']], ['e.ts', ['a.ts']]]);
    assert.deepEqual(cycles(loop).sort(), [['a.ts', 'b.ts', 'c.ts'], ['d.ts']]);
  });

  it('services/iax2 imports only node built-ins, node-forge and shared/{clock,logger,errors,log-throttle}', () => {
    const allowed = new Set(['shared/clock.ts', 'shared/logger.ts', 'shared/errors.ts', 'shared/log-throttle.ts']);
    const offending = files
      .filter((file) => file.startsWith('services/iax2/'))
      .flatMap((file) => graph.get(file)!.map((target) => ({ file, target })))
      .filter(({ target }) => !(target.startsWith('node:') || target === 'node-forge' || target.startsWith('services/iax2/') || allowed.has(target)));
    assert.deepEqual(offending, []);
  });

  it('shared/ imports no service; the control plane imports no part of the engine but the codec and crypto', () => {
    const offending = files.flatMap((file) => graph.get(file)!.map((target) => ({ file, target }))).filter(({ file, target }) =>
      (file.startsWith('shared/') && target.startsWith('services/')) ||
      (file.startsWith('services/control/') && target.startsWith('services/iax2/') && !/^services\/iax2\/(codec|crypto)\//.test(target)));
    assert.deepEqual(offending, []);
  });

  it('no module of services/iax2 writes a field of an object defined by another module', () => {
    const writes = files.filter((file) => file.startsWith('services/iax2/')).flatMap((file) => foreignWrites(file));
    assert.deepEqual(writes, []);
  });

  it('the mutation check finds a foreign write where there is one, and not an own one', () => {
    // The rule above must be able to fail: a module that bumps a counter of another module's
    // object, beside one that only touches its own.
    const dir = mkdtempSync(join(tmpdir(), 'house-rules-'));
    writeFileSync(join(dir, 'owner.ts'), 'export interface Stats { rejected: number }\nexport class Owner { readonly stats: Stats = { rejected: 0 }; }\n');
    writeFileSync(join(dir, 'meddler.ts'), "import type { Owner, Stats } from './owner.ts';\nexport function refuse(owner: Owner): void { owner.stats.rejected++; }\nexport class Dialog { constructor(private readonly shared: Stats) {} refuse(): void { this.shared.rejected = 1; } }\n");
    writeFileSync(join(dir, 'own.ts'), "import type { Stats } from './owner.ts';\ninterface Tally { n: number }\nexport function count(t: Tally): void { t.n += 1; }\nexport class C { private n = 0; private readonly stats: Stats = { rejected: 0 }; bump(): void { this.n++; this.stats.rejected++; } }\nexport function build(): Stats { const s: Stats = { rejected: 0 }; s.rejected = 2; return s; }\n");
    const probe = ts.createProgram(['owner.ts', 'meddler.ts', 'own.ts'].map((f) => join(dir, f)), { allowImportingTsExtensions: true, noEmit: true, strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
    assert.deepEqual(foreignWrites('meddler.ts', probe, dir), ['meddler.ts:2: owner.stats.rejected++', 'meddler.ts:3: this.shared.rejected = 1']);
    assert.deepEqual(foreignWrites('own.ts', probe, dir), []);
  });
});
