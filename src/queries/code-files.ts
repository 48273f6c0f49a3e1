import type ts from 'typescript';
import { normaliseParameters, type ParameterStyle } from './parameters.ts';
import { isQuery } from './query-statement.ts';
import type { ExtractedQuery, QueryOrigin } from './types.ts';

let loaded: typeof ts | undefined;

/** Loads TypeScript's parser, once: it takes a third of a second, which only reviews that read code should pay. */
export async function loadCodeParser(): Promise<void> {
  loaded ??= (await import('typescript')).default;
}

function typescript(): typeof ts {
  if (!loaded) throw new Error('loadCodeParser() must resolve before code is read');
  return loaded;
}

/** The extensions of the TypeScript and JavaScript files whose queries are read. */
const CODE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

export function isCodeFile(path: string): boolean {
  return CODE_EXTENSIONS.some((extension) => path.endsWith(extension));
}

interface QueryCall {
  origin: QueryOrigin;
  styles: ParameterStyle[];
}

/** Tags whose template is a query: `sql` (postgres.js, Slonik, @vercel/postgres), `Prisma.sql`, `prisma.$queryRaw`. */
function taggedQuery(api: typeof ts, tag: ts.Expression): QueryCall | undefined {
  const name = api.isIdentifier(tag) ? tag.text : api.isPropertyAccessExpression(tag) ? tag.name.text : undefined;
  if (name === 'sql') return { origin: 'tagged-template', styles: [] };
  if (name === '$queryRaw' || name === '$executeRaw') return { origin: 'prisma-raw', styles: [] };
  return undefined;
}

/** Calls whose first argument is a query, and how their library writes parameters. */
function calledQuery(api: typeof ts, call: ts.CallExpression): QueryCall | undefined {
  const callee = call.expression;
  if (!api.isPropertyAccessExpression(callee)) return undefined;
  const receiver = callee.expression.getText();
  switch (callee.name.text) {
    case 'query':
      return /sequelize/i.test(receiver) ? { origin: 'sequelize-query', styles: ['question', 'colon', 'dollar'] } : { origin: 'client-query', styles: ['dollar'] };
    case 'raw':
      return { origin: 'knex-raw', styles: ['question', 'colon'] };
    case 'execute':
      return { origin: 'db-execute', styles: ['dollar', 'question'] };
    case '$queryRawUnsafe':
    case '$executeRawUnsafe':
      return { origin: 'prisma-raw', styles: ['dollar'] };
    default:
      return undefined;
  }
}

/**
 * The queries in a TypeScript or JavaScript file, read from its syntax tree: tagged templates,
 * and string or template arguments of the query calls of pg, knex, Sequelize, Prisma and the
 * like (a pg `{ text }` config too). A template's `${…}` become parameters.
 */
export function queriesInCode(path: string, text: string): ExtractedQuery[] {
  const api = typescript();
  const source = api.createSourceFile(path, text, api.ScriptTarget.Latest, true, scriptKind(api, path));
  const queries: ExtractedQuery[] = [];
  const add = (literal: ts.Expression, how: QueryCall): void => {
    const query = queryOf(api, source, literal, how);
    if (!query || !isQuery(query.sql)) return;
    const loop = enclosingLoop(api, literal);
    queries.push({ path, ...query, ...(loop ? { loopLine: source.getLineAndCharacterOfPosition(loop.getStart(source)).line + 1 } : {}) });
  };
  const visit = (node: ts.Node): void => {
    if (api.isTaggedTemplateExpression(node)) {
      const how = taggedQuery(api, node.tag);
      if (how) add(node.template, how);
    } else if (api.isCallExpression(node)) {
      const how = calledQuery(api, node);
      const argument = node.arguments[0];
      if (how && argument) add(queryText(api, argument) ?? argument, how);
    }
    api.forEachChild(node, visit);
  };
  visit(source);
  return queries;
}

/** Array methods that call their callback once per element. */
const ITERATING_METHODS = new Set(['forEach', 'map', 'flatMap', 'filter', 'reduce', 'some', 'every', 'find', 'findIndex']);

/**
 * The loop that runs `node` once per iteration: a loop statement whose body holds it, or a call
 * of an iterating method whose callback does, with no other function in between (a function
 * defined in a loop may well be called once).
 */
function enclosingLoop(api: typeof ts, node: ts.Node): ts.Node | undefined {
  let child = node;
  for (let parent = node.parent; parent; child = parent, parent = parent.parent) {
    if ((api.isForStatement(parent) || api.isForOfStatement(parent) || api.isForInStatement(parent)) && child === parent.statement) return parent;
    if ((api.isWhileStatement(parent) || api.isDoStatement(parent)) && (child === parent.statement || child === parent.expression)) return parent;
    if (api.isFunctionLike(parent)) {
      const call = parent.parent;
      const iterates =
        call !== undefined &&
        api.isCallExpression(call) &&
        call.arguments.some((argument) => argument === parent) &&
        api.isPropertyAccessExpression(call.expression) &&
        ITERATING_METHODS.has(call.expression.name.text);
      return iterates ? call : undefined;
    }
  }
  return undefined;
}

/** A pg query config's `text`, or the argument itself. */
function queryText(api: typeof ts, argument: ts.Expression): ts.Expression | undefined {
  if (!api.isObjectLiteralExpression(argument)) return undefined;
  for (const property of argument.properties) {
    if (api.isPropertyAssignment(property) && property.name.getText() === 'text') return property.initializer;
  }
  return undefined;
}

function queryOf(api: typeof ts, source: ts.SourceFile, literal: ts.Expression, how: QueryCall): Omit<ExtractedQuery, 'path'> | undefined {
  let sql: string;
  const interpolations: string[] = [];
  if (api.isStringLiteral(literal) || api.isNoSubstitutionTemplateLiteral(literal)) {
    sql = literal.text;
  } else if (api.isTemplateExpression(literal)) {
    sql = literal.head.text;
    for (const span of literal.templateSpans) {
      interpolations.push(`\${${span.expression.getText(source)}}`);
      sql += `$${interpolations.length}${span.literal.text}`;
    }
  } else {
    return undefined;
  }
  // The finding goes where the SQL starts, not at the quote: templates often open with a line break.
  const opening = literal.getStart(source) + 1;
  const leading = /^\s*/.exec(source.text.slice(opening, literal.end))![0].length;
  const start = source.getLineAndCharacterOfPosition(opening + leading);
  const end = source.getLineAndCharacterOfPosition(literal.end);
  return {
    line: start.line + 1,
    column: start.character + 1,
    endLine: end.line + 1,
    origin: how.origin,
    ...normaliseParameters(sql.trim(), how.styles, interpolations),
  };
}

function scriptKind(api: typeof ts, path: string): ts.ScriptKind {
  if (path.endsWith('.tsx')) return api.ScriptKind.TSX;
  if (path.endsWith('.jsx')) return api.ScriptKind.JSX;
  if (/\.[mc]?js$/.test(path)) return api.ScriptKind.JS;
  return api.ScriptKind.TS;
}
