// Syntax shapes the subset rule (subset.ts) asks about: which node is a function with a body,
// which function or field encloses a node, what an expression is once parentheses and type
// assertions are stripped, whether an identifier is read as a value, which declarations are
// ambient, the text of a property name.
// Rules for callers: pure questions about one node; no type checker, no state.
import ts from 'typescript';

export type FunctionLike = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration
  | ts.ConstructorDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration;

export function isFunctionWithBody(n: ts.Node): n is FunctionLike {
  return ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n)
    || ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n);
}

/** The function whose body `n` runs in (arrows count unless `skipArrows`); a class field
 * initialiser or static block stops the search, since it has no `arguments` of its own. */
export function container(n: ts.Node, skipArrows: boolean): FunctionLike | ts.PropertyDeclaration | ts.ClassStaticBlockDeclaration | undefined {
  for (let p = n.parent; p !== undefined && !ts.isSourceFile(p); p = p.parent) {
    if (isFunctionWithBody(p)) {
      if (skipArrows && ts.isArrowFunction(p)) continue;
      return p;
    }
    if (ts.isClassStaticBlockDeclaration(p)) return p;
    if (ts.isPropertyDeclaration(p) && p.initializer !== undefined && isWithin(n, p.initializer)) return p;
  }
  return undefined;
}

export function isWithin(n: ts.Node, outer: ts.Node): boolean {
  return n.pos >= outer.pos && n.end <= outer.end;
}

export type Wrapper = ts.ParenthesizedExpression | ts.AsExpression | ts.SatisfiesExpression | ts.NonNullExpression | ts.TypeAssertion;

export function isWrapper(e: ts.Node): e is Wrapper {
  return ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e);
}

export function strip(e: ts.Expression): ts.Expression {
  while (isWrapper(e)) e = e.expression;
  return e;
}

/** `e` and every expression under its casts, parentheses, `!` and `satisfies`, outermost first:
 * the value at run time is the innermost one's, whatever the outer types claim. */
export function layers(e: ts.Expression): ts.Expression[] {
  const out = [e];
  for (let x = e; isWrapper(x); x = x.expression) out.push(x.expression);
  return out;
}

/** True when the identifier is read as a value (not a declaration's name, a property name, a
 * label or part of a type). */
export function isValueReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p)) return p.expression === id;
  if (ts.isQualifiedName(p) || ts.isTypeReferenceNode(p) || ts.isTypeQueryNode(p)) return false;
  if (ts.isShorthandPropertyAssignment(p)) return true;
  if (ts.isBindingElement(p)) return p.initializer === id;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p) || ts.isMetaProperty(p)) return false;
  if (ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p) || ts.isImportEqualsDeclaration(p) || ts.isExportSpecifier(p)) return false;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p) || ts.isClassLike(p)
    || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isGetAccessorDeclaration(p)
    || ts.isSetAccessorDeclaration(p) || ts.isEnumMember(p) || ts.isEnumDeclaration(p) || ts.isModuleDeclaration(p)
    || ts.isInterfaceDeclaration(p) || ts.isTypeAliasDeclaration(p) || ts.isTypeParameterDeclaration(p) || ts.isPropertySignature(p)
    || ts.isMethodSignature(p)) && p.name === id) return false;
  return true;
}

export function isAmbientStatement(n: ts.Node): boolean {
  if (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) || ts.isPropertyDeclaration(n)) return false;
  return ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
}

/** Declared under a `declare` (itself, its statement, or an enclosing `declare global`/module). */
export function isAmbient(d: ts.Node): boolean {
  for (let n: ts.Node | undefined = d; n !== undefined && !ts.isSourceFile(n); n = n.parent) {
    if (ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) return true;
  }
  return false;
}

export function propertyNameText(n: ts.PropertyName | undefined): string | undefined {
  if (n === undefined) return undefined;
  if (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  if (ts.isComputedPropertyName(n)) {
    const e = strip(n.expression);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  }
  return undefined;
}
