import { useFetcher } from "@remix-run/react";
import { memo, useCallback, useRef, type KeyboardEvent } from "react";

import { useActionToast } from "~/components/jobs/useActionToast";
import { itemStatusWords } from "~/review/job-words";
import type { ReviewTile } from "~/review/review-view.server";

export interface ReviewActionResult {
  ok: boolean;
  message: string;
  /** Each acted-on item's status after the action, so tiles need no reload to show it. */
  statuses?: Record<string, string>;
  fieldErrors?: Record<string, string>;
}

/** Tiles in the first row load at once and first; the rest as they scroll into view. */
const EAGER_TILES = 4;

/**
 * The thumbnails the first row shows, which the page announces before its body (route meta):
 * the results first (what the merchant reviews, and in traces of the page its largest paint), then
 * the originals.
 */
export function firstRowImages(tiles: ReadonlyArray<Pick<ReviewTile, "original" | "result">>) {
  const first = tiles.slice(0, EAGER_TILES);
  return [
    ...first.map((tile) => tile.result?.thumb),
    ...first.map((tile) => tile.original?.thumb),
  ].filter((href): href is string => typeof href === "string");
}

export function tileFetcherKey(itemId: string) {
  return `review-item-${itemId}`;
}

/**
 * What a tile shows: the merchant's click at once (optimistic), then the action's answer, until
 * the page's own data has caught up (the loader is newer once the item left review).
 */
export function useTileStatus(tile: Pick<ReviewTile, "id" | "status">, override?: string) {
  const fetcher = useFetcher<ReviewActionResult>({ key: tileFetcherKey(tile.id) });
  const intent = fetcher.formData?.get("intent");
  let status = tile.status;
  if (tile.status === "ready_for_review") {
    if (override) status = override;
    const answered = fetcher.data?.statuses?.[tile.id];
    if (answered) status = answered;
    if (intent === "approve") status = "approved";
    else if (intent === "reject") status = "canceled";
  }
  // "source: tile" tells the route not to reload the page: this answer carries the new status.
  const decide = (decision: "approve" | "reject") =>
    fetcher.submit({ intent: decision, itemId: tile.id, source: "tile" }, { method: "post" });
  return { status, fetcher, decide };
}

interface TileProps {
  tile: ReviewTile;
  index: number;
  selected: boolean;
  override: string | undefined;
  onToggle: (id: string) => void;
  onOpen: (id: string) => void;
}

const Tile = memo(function Tile({ tile, index, selected, override, onToggle, onOpen }: TileProps) {
  const { status, fetcher, decide } = useTileStatus(tile, override);
  useActionToast(fetcher.data && !fetcher.data.ok ? fetcher.data : undefined);
  const words = itemStatusWords(status);
  const decidable = status === "ready_for_review";
  const eager = index < EAGER_TILES;
  // The first row is preloaded (route meta) and has arrived by the first paint. Decoded off the
  // main thread ("async"), it does not hold that paint back: "sync" made the first frame wait for
  // eight decodes while the server and the browser were busy with the page's scripts.
  const imageProps = eager
    ? ({ loading: "eager", fetchpriority: "high", decoding: "async" } as Record<string, string>)
    : // Low priority too: the first row's thumbnails are the page's largest paint, and the
      // browser (and the app's one server thread) should not serve the rest before them.
      ({ loading: "lazy", fetchpriority: "low", decoding: "async" } as Record<string, string>);

  return (
    <li
      className="ps-tile"
      data-tile={tile.id}
      data-selected={selected}
      tabIndex={index === 0 ? 0 : -1}
      aria-label={`${tile.productTitle}, ${words.label}`}
    >
      <div className="ps-tile-head">
        <span className="ps-title" title={tile.productTitle}>
          {tile.productTitle}
        </span>
        <span className="ps-badge" data-tone={words.tone ?? "new"}>
          {words.label}
        </span>
      </div>
      <div className="ps-pair">
        <div className="ps-box">
          {tile.original ? (
            <img
              src={tile.original.thumb}
              alt={`Original photo of ${tile.productTitle}`}
              width={160}
              height={160}
              {...imageProps}
            />
          ) : (
            <span className="ps-box-empty">No original</span>
          )}
          <span className="ps-box-label" aria-hidden="true">
            Before
          </span>
        </div>
        <div className="ps-box">
          {tile.result ? (
            <img
              src={tile.result.thumb}
              alt={`Result for ${tile.productTitle}`}
              width={160}
              height={160}
              {...imageProps}
            />
          ) : (
            <span className="ps-box-empty">
              {status === "failed" ? "No result" : "Working on it…"}
            </span>
          )}
          <span className="ps-box-label" aria-hidden="true">
            After
          </span>
        </div>
      </div>
      {tile.error ? <p className="ps-error">{tile.error.what}</p> : null}
      <div className="ps-actions">
        <label className="ps-check">
          <input
            type="checkbox"
            aria-label={`Select ${tile.productTitle}`}
            checked={selected}
            onChange={() => onToggle(tile.id)}
            disabled={!decidable}
          />
          Select
        </label>
        <button
          type="button"
          className="ps-button"
          data-variant="primary"
          data-action="approve"
          disabled={!decidable}
          onClick={() => decide("approve")}
        >
          Approve
        </button>
        <button
          type="button"
          className="ps-button"
          data-action="reject"
          disabled={!decidable}
          onClick={() => decide("reject")}
        >
          Reject
        </button>
        <button
          type="button"
          className="ps-button"
          data-action="open"
          onClick={() => onOpen(tile.id)}
        >
          Details
        </button>
      </div>
    </li>
  );
});

/** How many tiles the first row holds, from where the browser laid them out. */
function columnsOf(tiles: HTMLElement[]): number {
  const top = tiles[0]?.offsetTop;
  const index = tiles.findIndex((tile) => tile.offsetTop !== top);
  return index === -1 ? tiles.length : index;
}

export function ReviewGrid({
  tiles,
  selected,
  overrides,
  onToggle,
  onOpen,
}: {
  tiles: ReviewTile[];
  selected: ReadonlySet<string>;
  overrides: Readonly<Record<string, string>>;
  onToggle: (id: string) => void;
  onOpen: (id: string) => void;
}) {
  const listRef = useRef<HTMLUListElement>(null);

  // Roving focus: one tile is in the tab order, arrow keys move it, without a React render.
  const moveTo = useCallback((from: HTMLElement, to: HTMLElement | undefined) => {
    if (!to) return;
    from.tabIndex = -1;
    to.tabIndex = 0;
    to.focus();
  }, []);

  const onFocus = useCallback((event: React.FocusEvent<HTMLUListElement>) => {
    const tile = (event.target as HTMLElement).closest<HTMLElement>("[data-tile]");
    if (!tile || tile.tabIndex === 0) return;
    for (const other of listRef.current?.querySelectorAll<HTMLElement>(
      '[data-tile][tabindex="0"]',
    ) ?? []) {
      other.tabIndex = -1;
    }
    tile.tabIndex = 0;
  }, []);

  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLUListElement>) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target as HTMLElement;
      const tile = target.closest<HTMLElement>("[data-tile]");
      if (!tile || !listRef.current) return;
      const onTile = target === tile;
      const all = Array.from(listRef.current.querySelectorAll<HTMLElement>("[data-tile]"));
      const index = all.indexOf(tile);
      const columns = columnsOf(all);
      const press = (action: string) =>
        tile.querySelector<HTMLButtonElement>(`button[data-action="${action}"]`)?.click();
      let next: number | null = null;
      switch (event.key) {
        case "ArrowRight":
          next = index + 1;
          break;
        case "ArrowLeft":
          next = index - 1;
          break;
        case "ArrowDown":
          next = index + columns;
          break;
        case "ArrowUp":
          next = index - columns;
          break;
        case "Home":
          next = 0;
          break;
        case "End":
          next = all.length - 1;
          break;
        case "a":
        case "A":
          press("approve");
          event.preventDefault();
          return;
        case "r":
        case "R":
          press("reject");
          event.preventDefault();
          return;
        case "Enter":
          if (!onTile) return;
          onOpen(tile.dataset.tile!);
          event.preventDefault();
          return;
        case " ":
          if (!onTile) return;
          tile.querySelector<HTMLInputElement>('input[type="checkbox"]')?.click();
          event.preventDefault();
          return;
        default:
          return;
      }
      event.preventDefault();
      if (next >= 0 && next < all.length) moveTo(tile, all[next]);
    },
    [moveTo, onOpen],
  );

  return (
    // The list handles its tiles' keyboard shortcuts in one place (no listener per tile).
    <ul
      ref={listRef}
      className="ps-grid"
      aria-label="Results to review"
      aria-describedby="review-shortcuts"
      onKeyDown={onKeyDown}
      onFocus={onFocus}
    >
      {tiles.map((tile, index) => (
        <Tile
          key={tile.id}
          tile={tile}
          index={index}
          selected={selected.has(tile.id)}
          override={overrides[tile.id]}
          onToggle={onToggle}
          onOpen={onOpen}
        />
      ))}
    </ul>
  );
}
