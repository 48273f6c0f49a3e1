/** Reading names and constant values out of libpg-query's JSON parse tree. */

type Json = Record<string, unknown>;

export function obj(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The `sval` of a `{ String: { sval } }` node. */
export function stringNode(node: unknown): string | undefined {
  const sval = obj(obj(node)?.String)?.sval;
  return typeof sval === 'string' ? sval : undefined;
}

/** The last part of a qualified name given as a list of String nodes (`pg_catalog.pg_read_file` → `pg_read_file`). */
export function lastName(names: unknown): string | undefined {
  const list = arr(names);
  return stringNode(list[list.length - 1]);
}

/** DefElem nodes of an options list, as `{ defname, arg }`. */
export function defElems(list: unknown): { defname: string; arg: unknown }[] {
  return arr(list).flatMap((item) => {
    const def = obj(obj(item)?.DefElem);
    return def && typeof def.defname === 'string' ? [{ defname: def.defname, arg: def.arg }] : [];
  });
}

/** A Boolean (or old-style Integer) option's value. */
export function booleanArg(arg: unknown): boolean | undefined {
  const node = obj(arg);
  if (!node) return undefined;
  if ('Boolean' in node) return obj(node.Boolean)?.boolval === true;
  if ('Integer' in node) return Number(obj(node.Integer)?.ival ?? 0) !== 0;
  return undefined;
}

/**
 * The text of an expression built only of constants: a string or number literal, a cast of one,
 * or `||` of such. Undefined when any part is not constant.
 */
export function constantString(node: unknown): string | undefined {
  const n = obj(node);
  if (!n) return undefined;
  const constant = obj(n.A_Const);
  if (constant) {
    if (constant.isnull) return undefined;
    const sval = obj(constant.sval);
    if (sval) return typeof sval.sval === 'string' ? sval.sval : '';
    const ival = obj(constant.ival);
    if (ival) return String(ival.ival ?? 0);
    const fval = obj(constant.fval);
    if (fval && typeof fval.fval === 'string') return fval.fval;
    const bsval = obj(constant.bsval);
    if (bsval && typeof bsval.bsval === 'string') return bsval.bsval;
    const boolval = obj(constant.boolval);
    if (boolval) return boolval.boolval === true ? 'true' : 'false';
    return undefined;
  }
  const cast = obj(n.TypeCast);
  if (cast) return constantString(cast.arg);
  const concat = concatenation(n);
  if (concat) {
    const left = constantString(concat.left);
    const right = left === undefined ? undefined : constantString(concat.right);
    return left === undefined || right === undefined ? undefined : left + right;
  }
  return undefined;
}

/** The operands of `a || b`, when the node is one. */
export function concatenation(node: unknown): { left: unknown; right: unknown } | undefined {
  const expr = obj(obj(node)?.A_Expr);
  if (!expr || expr.kind !== 'AEXPR_OP' || lastName(expr.name) !== '||') return undefined;
  return { left: expr.lexpr, right: expr.rexpr };
}

/** Every string literal under a node, in order. */
export function stringConstants(root: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push(node[i]);
      continue;
    }
    const n = obj(node);
    if (!n) continue;
    const sval = obj(obj(n.A_Const)?.sval);
    if (sval && typeof sval.sval === 'string') {
      out.push(sval.sval);
      continue;
    }
    const values = Object.values(n);
    for (let i = values.length - 1; i >= 0; i--) stack.push(values[i]);
  }
  return out;
}

/** The leftmost string literal of a concatenation or format() call: where the built SQL starts. */
export function leadingConstant(node: unknown): string | undefined {
  let current: unknown = node;
  for (let guard = 0; guard < 10_000; guard++) {
    const concat = concatenation(current);
    if (concat) {
      current = concat.left;
      continue;
    }
    const n = obj(current);
    const cast = obj(n?.TypeCast);
    if (cast) {
      current = cast.arg;
      continue;
    }
    const call = obj(n?.FuncCall);
    if (call && ['format', 'concat'].includes(lastName(call.funcname)?.toLowerCase() ?? '')) {
      current = arr(call.args)[0];
      continue;
    }
    const sval = obj(obj(n?.A_Const)?.sval);
    return sval && typeof sval.sval === 'string' ? sval.sval : undefined;
  }
  return undefined;
}
