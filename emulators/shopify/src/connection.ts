/**
 * Relay-style connections as the Admin API returns them: first/last/after/before, opaque cursors,
 * pageInfo, and both `edges` and `nodes`.
 */
export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
}

export class UserFacingError extends Error {
  readonly code: string;
  constructor(message: string, code = "BAD_REQUEST") {
    super(message);
    this.code = code;
  }
}

const encodeCursor = (key: string | number) =>
  Buffer.from(JSON.stringify({ last_id: key })).toString("base64url");

function decodeCursor(cursor: string): string | number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as {
      last_id?: string | number;
    };
    if (parsed.last_id === undefined) throw new Error("no last_id");
    return parsed.last_id;
  } catch {
    throw new UserFacingError(`Invalid cursor for current pagination sort.`);
  }
}

/** Shopify refuses a connection without a page size, and caps it at 250. */
export function pageSize(args: ConnectionArgs): number {
  const size = args.first ?? args.last;
  if (size === undefined || size === null) {
    throw new UserFacingError("you must provide one of first or last");
  }
  if (size > 250) throw new UserFacingError("The maximum page size is 250.", "MAX_PAGE_SIZE");
  if (size < 0) throw new UserFacingError("first and last must be positive");
  return size;
}

export function connection<T>(
  items: T[],
  args: ConnectionArgs,
  keyOf: (item: T) => string | number,
  toNode: (item: T) => unknown,
) {
  const size = pageSize(args);
  const ordered = args.reverse ? [...items].reverse() : items;
  let start = 0;
  let end = ordered.length;
  if (args.after) {
    const key = decodeCursor(args.after);
    const index = ordered.findIndex((item) => keyOf(item) === key);
    start = index === -1 ? ordered.length : index + 1;
  }
  if (args.before) {
    const key = decodeCursor(args.before);
    const index = ordered.findIndex((item) => keyOf(item) === key);
    end = index === -1 ? end : index;
  }
  let window = ordered.slice(start, end);
  let hasNextPage = end < ordered.length;
  let hasPreviousPage = start > 0;
  if (args.first !== undefined && args.first !== null) {
    hasNextPage = hasNextPage || window.length > size;
    window = window.slice(0, size);
  } else {
    hasPreviousPage = hasPreviousPage || window.length > size;
    window = window.slice(Math.max(0, window.length - size));
  }
  const edges = window.map((item) => ({ cursor: encodeCursor(keyOf(item)), node: toNode(item) }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
