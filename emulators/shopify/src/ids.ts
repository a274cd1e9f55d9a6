/** Shopify's global ids: gid://shopify/<Type>/<number>. */
export const gid = (type: string, id: number | string) => `gid://shopify/${type}/${id}`;

export function parseGid(value: unknown, ...types: string[]): { type: string; id: number } | null {
  if (typeof value !== "string") return null;
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(\?.*)?$/.exec(value);
  if (!match) return null;
  if (types.length > 0 && !types.includes(match[1]!)) return null;
  return { type: match[1]!, id: Number(match[2]) };
}
