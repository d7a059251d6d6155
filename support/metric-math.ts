/**
 * CloudWatch metric math, evaluated at one timestamp: the arithmetic, comparison and logical
 * operators, FILL and IF, with CloudWatch's documented rules for missing values (Using math
 * expressions with CloudWatch metrics: "Basic arithmetic functions", "Comparison and logical
 * operators", "Using IF expressions"). Enough to compute what an alarm's expression decides for
 * given metric values, so the docs' truth tables and the tests read the deployed expressions
 * themselves rather than a restatement of them.
 */

/** A value at one timestamp: a scalar, or a time series' datapoint (absent when it has none). */
export type MathValue =
  | { readonly scalar: true; readonly value: number }
  | { readonly scalar: false; readonly value: number | undefined };

type Node =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "id"; readonly name: string }
  | { readonly kind: "unary"; readonly operand: Node }
  | { readonly kind: "binary"; readonly operator: string; readonly left: Node; readonly right: Node }
  | { readonly kind: "call"; readonly name: string; readonly args: readonly Node[] };

const TOKEN = /\s*(\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|\|\||&&|==|!=|<=|>=|[-+*/<>(),])/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    if (/^\s*$/.test(expression.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(expression);
    if (!match?.[1]) throw new SyntaxError(`unexpected "${expression.slice(at).trim()}" in ${expression}`);
    tokens.push(match[1]);
  }
  return tokens;
}

/** Binary operators from the loosest to the tightest binding. */
const LEVELS: readonly (readonly string[])[] = [
  ["||", "OR"],
  ["&&", "AND"],
  ["==", "!=", "<=", ">=", "<", ">"],
  ["+", "-"],
  ["*", "/"],
];

export function parseExpression(expression: string): Node {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = (): string | undefined => tokens[position];
  const expect = (token: string): void => {
    if (tokens[position] !== token) throw new SyntaxError(`expected "${token}" in ${expression}`);
    position++;
  };
  const level = (index: number): Node => {
    const operators = LEVELS[index];
    if (!operators) return unary();
    let left = level(index + 1);
    for (let token = peek(); token !== undefined && operators.includes(token); token = peek()) {
      position++;
      left = { kind: "binary", operator: token, left, right: level(index + 1) };
    }
    return left;
  };
  const unary = (): Node => {
    if (peek() === "-") {
      position++;
      return { kind: "unary", operand: unary() };
    }
    return primary();
  };
  const primary = (): Node => {
    const token = peek();
    if (token === undefined) throw new SyntaxError(`unexpected end of ${expression}`);
    position++;
    if (token === "(") {
      const inner = level(0);
      expect(")");
      return inner;
    }
    if (/^\d/.test(token)) return { kind: "number", value: Number(token) };
    if (!/^[A-Za-z_]/.test(token)) throw new SyntaxError(`unexpected "${token}" in ${expression}`);
    if (peek() !== "(") return { kind: "id", name: token };
    position++;
    const args: Node[] = [];
    if (peek() !== ")") {
      args.push(level(0));
      while (peek() === ",") {
        position++;
        args.push(level(0));
      }
    }
    expect(")");
    return { kind: "call", name: token, args };
  };
  const root = level(0);
  if (position !== tokens.length) throw new SyntaxError(`unexpected "${tokens[position]}" in ${expression}`);
  return root;
}

function apply(operator: string, a: number, b: number): number | undefined {
  switch (operator) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      // "If the value of a data point causes a function to attempt to divide by zero, the data
      // point is dropped."
      return b === 0 ? undefined : a / b;
    case "==":
      return Number(a === b);
    case "!=":
      return Number(a !== b);
    case "<":
      return Number(a < b);
    case "<=":
      return Number(a <= b);
    case ">":
      return Number(a > b);
    case ">=":
      return Number(a >= b);
    case "||":
    case "OR":
      return Number(a !== 0 || b !== 0);
    case "&&":
    case "AND":
      return Number(a !== 0 && b !== 0);
  }
  throw new SyntaxError(`unknown operator ${operator}`);
}

function binary(operator: string, left: MathValue, right: MathValue): MathValue {
  if (left.scalar && right.scalar) {
    const value = apply(operator, left.value, right.value);
    if (value === undefined) throw new RangeError("division of a scalar by zero");
    return { scalar: true, value };
  }
  // A series against a scalar has no datapoint where the series has none; two series: a value
  // missing from one of them counts as 0 ("Missing values in a time series are treated as 0").
  if (left.value === undefined && (right.scalar || right.value === undefined)) return missing;
  if (right.value === undefined && left.scalar) return missing;
  return { scalar: false, value: apply(operator, left.value ?? 0, right.value ?? 0) };
}

const missing: MathValue = { scalar: false, value: undefined };

function call(name: string, args: readonly MathValue[]): MathValue {
  const [first, second, third] = args;
  if (name === "FILL") {
    if (!first || !second?.scalar || args.length !== 2) {
      throw new SyntaxError("FILL takes a series and a scalar here");
    }
    return first.scalar ? first : { scalar: false, value: first.value ?? second.value };
  }
  if (name === "IF") {
    if (!first || !second || args.length > 3)
      throw new SyntaxError("IF takes a condition and one or two values");
    if (first.value === undefined) return missing;
    if (first.value !== 0) {
      // TRUE with no datapoint in the true value's series: 0, as CloudWatch documents.
      return { scalar: false, value: second.value ?? 0 };
    }
    return third === undefined ? missing : { scalar: false, value: third.value };
  }
  throw new SyntaxError(`${name} is not supported by this evaluator`);
}

export function evaluateNode(node: Node, resolve: (id: string) => MathValue): MathValue {
  switch (node.kind) {
    case "number":
      return { scalar: true, value: node.value };
    case "id":
      return resolve(node.name);
    case "unary": {
      const value = evaluateNode(node.operand, resolve);
      return value.value === undefined ? value : { ...value, value: -value.value };
    }
    case "binary":
      return binary(node.operator, evaluateNode(node.left, resolve), evaluateNode(node.right, resolve));
    case "call":
      return call(
        node.name,
        node.args.map((arg) => evaluateNode(arg, resolve)),
      );
  }
}

/** An alarm's `Metrics` entry as far as the evaluation goes: an expression, or a metric. */
export interface QueryLike {
  readonly id: string;
  readonly expression?: string;
}

/**
 * The value of query `watched` when the metrics (the queries without an expression) have these
 * datapoints; undefined means the alarm sees no datapoint for the minute.
 */
export function evaluateQueries(
  queries: readonly QueryLike[],
  watched: string,
  datapoints: Readonly<Record<string, number | undefined>>,
): number | undefined {
  const byId = new Map(queries.map((query) => [query.id, query]));
  const resolving = new Set<string>();
  const resolve = (id: string): MathValue => {
    const query = byId.get(id);
    if (!query) throw new ReferenceError(`no query ${id}`);
    if (query.expression === undefined) {
      if (!(id in datapoints)) throw new ReferenceError(`no datapoint given for metric ${id}`);
      return { scalar: false, value: datapoints[id] };
    }
    if (resolving.has(id)) throw new ReferenceError(`${id} refers to itself`);
    resolving.add(id);
    const value = evaluateNode(parseExpression(query.expression), resolve);
    resolving.delete(id);
    return value;
  };
  const result = resolve(watched);
  if (result.scalar) throw new TypeError(`${watched} is a scalar: an alarm needs a time series`);
  return result.value;
}
