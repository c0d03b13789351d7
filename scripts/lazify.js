// Makes the compiled library load a module only when an app first uses something of it, as aws-cdk-lib does with
// its own modules: an app with one DeploymentScript does not pay for loading DeploymentTask, ECS or connectTo's
// adapters. Run after `jsii` (npm run compile) on the JavaScript it emitted; running it again changes nothing.
//
// The technique is aws-cdk's own: its build tool `tools/@aws-cdk/lazify` in the aws/aws-cdk repository (Apache-2.0)
// rewrites aws-cdk-lib's compiled modules the same way. This is a separate, smaller implementation for this library.
//
// - A top-level `const x = require("m")` (or `__importStar(require("m"))`) becomes a function that requires the
//   module on its first call and then returns it, and every use of `x` becomes `x()`.
// - `__exportStar(require("./m"), exports)` becomes one getter per name the module exports, so that an index
//   re-exporting many modules loads each only when one of its names is read.
'use strict';
const { readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join, relative, resolve } = require('node:path');
const ts = require('typescript');

/**
 * The lazy form of one compiled module's text. `exportNamesOf(specifier)` gives the names the module `specifier`
 * (as written in the file) exports. Throws when a name bound to a module is declared again inside the file: its
 * uses could not be told apart from the module's, so the file must use another name.
 */
function lazifySource(fileName, text, exportNamesOf) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const edits = [];
  const bindings = new Map(); // name -> the top-level declaration that binds it
  // Re-exports are taken in order: a name already exported (by the file or an earlier module) is kept, as
  // `__exportStar` keeps it.
  const emitted = new Set(ownExports(source));

  for (const statement of source.statements) {
    const required = topLevelRequire(statement);
    if (required) {
      const { name, initializer } = required;
      bindings.set(name, statement.declarationList.declarations[0]);
      edits.push({
        start: statement.getStart(source),
        end: statement.end,
        text: `let ${name} = () => { const tmp = ${initializer.getText(source)}; ${name} = () => tmp; return tmp; };`,
      });
      continue;
    }
    const reexported = exportStar(statement);
    if (reexported !== undefined) {
      edits.push({ start: statement.getStart(source), end: statement.end, text: reexported });
    }
  }

  function exportStar(statement) {
    if (!ts.isExpressionStatement(statement) || !ts.isCallExpression(statement.expression)) { return undefined; }
    const call = statement.expression;
    if (!ts.isIdentifier(call.expression) || call.expression.text !== '__exportStar' || call.arguments.length !== 2) { return undefined; }
    const specifier = requireSpecifier(call.arguments[0]);
    if (specifier === undefined || !ts.isIdentifier(call.arguments[1]) || call.arguments[1].text !== 'exports') { return undefined; }
    const lines = [];
    for (const name of exportNamesOf(specifier)) {
      if (name === 'default' || emitted.has(name)) { continue; }
      emitted.add(name);
      // `exports.X = void 0` tells Node.js's import of CommonJS from ES modules that X is a name of this module; the
      // getter's name is split so that its scan does not mistake the getter for a plain value.
      lines.push(`exports.${name} = void 0; Object.defineProperty(exports, ${JSON.stringify(name.slice(0, 1))} + ${JSON.stringify(name.slice(1))}, `
        + `{ enumerable: true, configurable: true, get: () => require(${JSON.stringify(specifier)}).${name} });`);
    }
    return lines.join('\n');
  }

  if (bindings.size > 0) {
    const visit = (node) => {
      if (ts.isIdentifier(node) && bindings.has(node.text)) {
        const edit = useOf(node, bindings.get(node.text), source);
        if (edit) { edits.push(edit); }
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(source, (node) => {
      if (!edits.some((edit) => edit.start === node.getStart(source) && edit.end === node.end)) { visit(node); }
    });
  }

  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const edit of edits) { out = out.slice(0, edit.start) + edit.text + out.slice(edit.end); }
  return out;
}

/** `const x = require("m")`, `const x = __importStar(require("m"))` or `__importDefault(...)` at the top level. */
function topLevelRequire(statement) {
  if (!ts.isVariableStatement(statement) || statement.declarationList.declarations.length !== 1) { return undefined; }
  const declaration = statement.declarationList.declarations[0];
  if (!ts.isIdentifier(declaration.name) || !declaration.initializer) { return undefined; }
  let initializer = declaration.initializer;
  if (ts.isCallExpression(initializer) && ts.isIdentifier(initializer.expression)
    && ['__importStar', '__importDefault'].includes(initializer.expression.text) && initializer.arguments.length === 1) {
    if (requireSpecifier(initializer.arguments[0]) === undefined) { return undefined; }
  } else if (requireSpecifier(initializer) === undefined) {
    return undefined;
  }
  return { name: declaration.name.text, initializer };
}

function requireSpecifier(node) {
  return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require'
    && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0]) ? node.arguments[0].text : undefined;
}

/** The names a file exports itself: `exports.X = ...`. */
function ownExports(source) {
  const names = [];
  for (const statement of source.statements) {
    let expression = ts.isExpressionStatement(statement) ? statement.expression : undefined;
    while (expression && ts.isBinaryExpression(expression) && expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = expression.left;
      if (ts.isPropertyAccessExpression(left) && ts.isIdentifier(left.expression) && left.expression.text === 'exports') {
        names.push(left.name.text);
      }
      expression = expression.right;
    }
  }
  return names;
}

/** The edit that turns a use of a module binding into a call, none where the name is not the binding. */
function useOf(node, declaration, source) {
  const parent = node.parent;
  if (parent === declaration) { return undefined; }
  const declares = (ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isBindingElement(parent)
    || ts.isFunctionDeclaration(parent) || ts.isFunctionExpression(parent) || ts.isClassDeclaration(parent)
    || ts.isClassExpression(parent)) && parent.name === node;
  if (declares) {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    throw new Error(`${source.fileName}:${line + 1}: '${node.text}' names a module imported by this file and is declared again here: `
      + 'rename one of them, so that the lazy import cannot be mistaken for it.');
  }
  // Names of properties, not references.
  if ((ts.isPropertyAccessExpression(parent) && parent.name === node)
    || ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)
      || ts.isGetAccessorDeclaration(parent) || ts.isSetAccessorDeclaration(parent)) && parent.name === node)) {
    return undefined;
  }
  if (ts.isShorthandPropertyAssignment(parent)) {
    return { start: node.getStart(source), end: node.end, text: `${node.text}: ${node.text}()` };
  }
  // `new iam.Role(...)` must stay a construction of `Role`: `new (iam()).Role(...)`, not `new iam().Role(...)`.
  let callee = node;
  while ((ts.isPropertyAccessExpression(callee.parent) || ts.isElementAccessExpression(callee.parent)) && callee.parent.expression === callee) {
    callee = callee.parent;
  }
  const constructed = ts.isNewExpression(callee.parent) && callee.parent.expression === callee;
  return { start: node.getStart(source), end: node.end, text: constructed ? `(${node.text}())` : `${node.text}()` };
}

/** Every `.js` file under `dir`. */
function jsFiles(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? jsFiles(path) : entry.endsWith('.js') ? [path] : [];
  });
}

/** Makes every `.js` file under `dir` lazy, in place. Returns how many files changed. */
function lazifyDirectory(dir) {
  let changed = 0;
  for (const file of jsFiles(resolve(dir))) {
    const text = readFileSync(file, 'utf8');
    const requireFrom = createRequire(file);
    const out = lazifySource(relative(process.cwd(), file), text, (specifier) => Object.keys(requireFrom(specifier)));
    if (out !== text) {
      writeFileSync(file, out);
      changed++;
    }
  }
  return changed;
}

module.exports = { lazifySource, lazifyDirectory };

if (require.main === module) {
  const dirs = process.argv.slice(2);
  if (dirs.length === 0) { throw new Error('usage: node scripts/lazify.js DIR...'); }
  const changed = dirs.reduce((sum, dir) => sum + lazifyDirectory(dir), 0);
  process.stdout.write(`lazify: ${changed} file(s) made lazy\n`);
}
