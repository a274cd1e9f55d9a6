import { useLocation, useNavigate } from "@remix-run/react";
import { InlineStack, Pagination } from "@shopify/polaris";

/**
 * Next and previous over cursor pages. The cursors already walked are kept in the URL (`before`),
 * so "Previous" is a plain link back that also survives a reload and the browser's history.
 */
export function CursorPagination({
  nextCursor,
  label,
}: {
  nextCursor: string | null;
  label: string;
}) {
  const location = useLocation();
  const navigate = useNavigate();
  const params = new URLSearchParams(location.search);
  const cursor = params.get("cursor");
  const before = (params.get("before") ?? "").split(",").filter(Boolean);
  if (!cursor && !nextCursor) return null;

  const go = (nextParams: URLSearchParams) => {
    const search = nextParams.toString();
    navigate(`${location.pathname}${search ? `?${search}` : ""}`);
  };
  const next = () => {
    if (!nextCursor) return;
    const p = new URLSearchParams(params);
    p.set("cursor", nextCursor);
    if (cursor) p.set("before", [...before, cursor].join(","));
    go(p);
  };
  const previous = () => {
    const p = new URLSearchParams(params);
    const last = before.at(-1);
    if (last) p.set("cursor", last);
    else p.delete("cursor");
    const rest = before.slice(0, -1);
    if (rest.length > 0) p.set("before", rest.join(","));
    else p.delete("before");
    go(p);
  };
  return (
    <InlineStack align="center">
      <Pagination
        accessibilityLabel={label}
        hasPrevious={Boolean(cursor)}
        onPrevious={previous}
        hasNext={Boolean(nextCursor)}
        onNext={next}
      />
    </InlineStack>
  );
}
