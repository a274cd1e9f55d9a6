/**
 * A subset of Shopify's search syntax (https://shopify.dev/docs/api/usage/search-syntax):
 * terms joined by spaces (AND) or OR, negation with `-` or NOT, `field:value`, quoted values,
 * comparisons (`id:>10`, `updated_at:>=2026-01-01`), prefix wildcards (`title:red*`), and free text.
 */
export type Term =
  | {
      kind: "field";
      field: string;
      op: ":" | ">" | "<" | ">=" | "<=";
      value: string;
      negate: boolean;
    }
  | { kind: "text"; value: string; negate: boolean };

/** Terms in OR-groups of AND-ed terms. */
export function parseSearchQuery(query: string): Term[][] {
  const tokens = query.match(/-?[\w.]+:(?:>=|<=|>|<)?(?:"[^"]*"|\S+)|-?"[^"]*"|\S+/g) ?? [];
  const groups: Term[][] = [[]];
  let negateNext = false;
  for (const token of tokens) {
    if (token === "OR") {
      groups.push([]);
      continue;
    }
    if (token === "AND") continue;
    if (token === "NOT") {
      negateNext = true;
      continue;
    }
    const negate = negateNext || token.startsWith("-");
    negateNext = false;
    const body = token.startsWith("-") ? token.slice(1) : token;
    const field = /^([\w.]+):(>=|<=|>|<)?(.*)$/.exec(body);
    const unquote = (value: string) => value.replace(/^"(.*)"$/, "$1");
    groups.at(-1)!.push(
      field
        ? {
            kind: "field",
            field: field[1]!.toLowerCase(),
            op: (field[2] ?? ":") as ":" | ">" | "<" | ">=" | "<=",
            value: unquote(field[3]!),
            negate,
          }
        : { kind: "text", value: unquote(body), negate },
    );
  }
  return groups.filter((group) => group.length > 0);
}

/** How a record answers a field term: its values for that field (strings or numbers). */
export type FieldLookup<T> = (item: T, field: string) => Array<string | number> | undefined;

function compare(actual: string | number, op: string, expected: string): boolean {
  if (op === ":") {
    if (typeof actual === "number") return actual === Number(expected);
    const a = actual.toLowerCase();
    const e = expected.toLowerCase();
    return e.endsWith("*") ? a.startsWith(e.slice(0, -1)) : a === e;
  }
  const left = typeof actual === "number" ? actual : Date.parse(actual) || actual;
  const right = typeof actual === "number" ? Number(expected) : Date.parse(expected) || expected;
  if (op === ">") return left > right;
  if (op === "<") return left < right;
  if (op === ">=") return left >= right;
  return left <= right;
}

export function matchesSearch<T>(
  item: T,
  groups: Term[][],
  lookup: FieldLookup<T>,
  freeText: (item: T) => string,
): boolean {
  if (groups.length === 0) return true;
  return groups.some((group) =>
    group.every((term) => {
      let hit: boolean;
      if (term.kind === "text") {
        const needle = term.value.toLowerCase().replace(/\*$/, "");
        hit = freeText(item).toLowerCase().includes(needle);
      } else {
        const values = lookup(item, term.field);
        // Shopify ignores filters on fields a resource does not support; so do we.
        if (values === undefined) return true;
        hit = values.some((value) => compare(value, term.op, term.value));
      }
      return term.negate ? !hit : hit;
    }),
  );
}
