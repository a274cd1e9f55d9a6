import { Button, ButtonGroup, InlineStack, Text } from "@shopify/polaris";
import {
  useCallback,
  useEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
} from "react";

const ZOOMS = [1, 2, 3, 4] as const;
const MIN_ZOOM = 1;
const MAX_ZOOM = 4;

function clamp(value: number, min: number, max: number) {
  return Math.min(max, Math.max(min, value));
}

/** Pan offsets (in unscaled pixels) that keep the zoomed image covering the frame. */
function clampPan(
  pan: { x: number; y: number },
  zoom: number,
  frame: { width: number; height: number },
) {
  const limitX = (frame.width / 2) * (1 - 1 / zoom);
  const limitY = (frame.height / 2) * (1 - 1 / zoom);
  return { x: clamp(pan.x, -limitX, limitX), y: clamp(pan.y, -limitY, limitY) };
}

/**
 * Before and after on top of each other with a divider the merchant drags (or moves with the
 * arrow keys: it is a slider to assistive technology), and a zoom to 4× with panning, so edges
 * and cut-outs can be judged at full detail. Both layers share one transform, so the divider
 * always compares the same pixels.
 */
export function CompareView({
  before,
  after,
  aspectRatio,
  productTitle,
}: {
  before: string | null;
  after: string;
  aspectRatio: number;
  productTitle: string;
}) {
  const frameRef = useRef<HTMLDivElement>(null);
  const [position, setPosition] = useState(50);
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const gesture = useRef<
    | { kind: "divider" }
    | {
        kind: "pan";
        startX: number;
        startY: number;
        from: { x: number; y: number };
        moved: boolean;
      }
    | null
  >(null);

  const frameSize = () => {
    const rect = frameRef.current?.getBoundingClientRect();
    return {
      width: rect?.width ?? 0,
      height: rect?.height ?? 0,
      left: rect?.left ?? 0,
      top: rect?.top ?? 0,
    };
  };

  const zoomTo = useCallback((next: number) => {
    const value = clamp(next, MIN_ZOOM, MAX_ZOOM);
    setZoom(value);
    setPan((current) => (value === 1 ? { x: 0, y: 0 } : clampPan(current, value, frameSize())));
  }, []);

  const zoomRef = useRef(zoom);
  zoomRef.current = zoom;

  // Wheel zoom needs preventDefault, which React's passive wheel listener cannot do.
  useEffect(() => {
    const frame = frameRef.current;
    if (!frame) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const factor = event.deltaY < 0 ? 1.25 : 0.8;
      zoomTo(Math.round(zoomRef.current * factor * 100) / 100);
    };
    frame.addEventListener("wheel", onWheel, { passive: false });
    return () => frame.removeEventListener("wheel", onWheel);
  }, [zoomTo]);

  const dividerFrom = (clientX: number) => {
    const { width, left } = frameSize();
    if (width > 0) setPosition(Math.round(clamp(((clientX - left) / width) * 100, 0, 100)));
  };

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    const onHandle = (event.target as HTMLElement).closest("[data-handle]");
    event.currentTarget.setPointerCapture(event.pointerId);
    gesture.current = onHandle
      ? { kind: "divider" }
      : { kind: "pan", startX: event.clientX, startY: event.clientY, from: pan, moved: false };
  };

  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const current = gesture.current;
    if (!current) return;
    if (current.kind === "divider") {
      dividerFrom(event.clientX);
      return;
    }
    const dx = event.clientX - current.startX;
    const dy = event.clientY - current.startY;
    if (Math.abs(dx) + Math.abs(dy) > 4) current.moved = true;
    if (zoom > 1 && current.moved) {
      setPan(
        clampPan(
          { x: current.from.x + dx / zoom, y: current.from.y + dy / zoom },
          zoom,
          frameSize(),
        ),
      );
    }
  };

  const onPointerUp = (event: PointerEvent<HTMLDivElement>) => {
    const current = gesture.current;
    gesture.current = null;
    if (current?.kind !== "pan" || current.moved) return;
    // A click without a drag steps the zoom: 1×, 2×, 4×, back to 1×.
    const next = zoom < 2 ? 2 : zoom < 4 ? 4 : 1;
    if (next > 1) {
      // Zoom towards the clicked point.
      const { width, height, left, top } = frameSize();
      const x = (width / 2 - (event.clientX - left)) * (1 - 1 / next);
      const y = (height / 2 - (event.clientY - top)) * (1 - 1 / next);
      setZoom(next);
      setPan(clampPan({ x, y }, next, { width, height }));
    } else {
      zoomTo(1);
    }
  };

  const onSliderKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const steps: Record<string, number> = {
      ArrowLeft: -2,
      ArrowDown: -2,
      ArrowRight: 2,
      ArrowUp: 2,
      PageDown: -10,
      PageUp: 10,
    };
    if (event.key in steps) {
      setPosition((p) => clamp(p + steps[event.key]!, 0, 100));
    } else if (event.key === "Home") {
      setPosition(0);
    } else if (event.key === "End") {
      setPosition(100);
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  const transform = `scale(${zoom}) translate(${pan.x}px, ${pan.y}px)`;
  const ratio = aspectRatio > 0 ? aspectRatio : 1;

  return (
    <div>
      <div
        ref={frameRef}
        className="ps-compare"
        style={{
          aspectRatio: String(ratio),
          // As large as the dialog allows while the whole image stays in view.
          width: `min(100%, calc(60vh * ${ratio}))`,
          cursor: zoom > 1 ? "grab" : "zoom-in",
        }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => (gesture.current = null)}
      >
        <div className="ps-layer">
          <div className="ps-layer-inner" style={{ transform }}>
            <img src={after} alt={`Result for ${productTitle}`} draggable={false} />
          </div>
        </div>
        {before ? (
          <div className="ps-layer" style={{ clipPath: `inset(0 ${100 - position}% 0 0)` }}>
            <div className="ps-layer-inner" style={{ transform }}>
              <img src={before} alt={`Original photo of ${productTitle}`} draggable={false} />
            </div>
          </div>
        ) : null}
        <span className="ps-corner" style={{ left: 8 }} aria-hidden="true">
          Before
        </span>
        <span className="ps-corner" style={{ right: 8 }} aria-hidden="true">
          After
        </span>
        <div className="ps-divider" style={{ left: `${position}%` }} />
        <div
          className="ps-handle"
          data-handle
          style={{ left: `${position}%` }}
          role="slider"
          tabIndex={0}
          aria-label="Compare before and after"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={position}
          aria-valuetext={`${position}% original shown`}
          aria-orientation="horizontal"
          onKeyDown={onSliderKey}
        >
          <span aria-hidden="true">↔</span>
        </div>
      </div>
      <InlineStack align="space-between" blockAlign="center" gap="200">
        <Text as="p" tone="subdued">
          Drag the handle or use the arrow keys to compare. Click or scroll to zoom; drag to move
          around.
        </Text>
        <InlineStack gap="200" blockAlign="center">
          <Text as="span" numeric>
            <span aria-live="polite">{`Zoom ${Math.round(zoom * 100)}%`}</span>
          </Text>
          <ButtonGroup variant="segmented">
            <Button onClick={() => zoomTo(zoom / 1.5)} disabled={zoom <= MIN_ZOOM}>
              Zoom out
            </Button>
            {ZOOMS.map((level) => (
              <Button
                key={level}
                pressed={zoom === level}
                onClick={() => zoomTo(level)}
                accessibilityLabel={`Zoom ${level}×`}
              >
                {`${level}×`}
              </Button>
            ))}
            <Button onClick={() => zoomTo(zoom * 1.5)} disabled={zoom >= MAX_ZOOM}>
              Zoom in
            </Button>
          </ButtonGroup>
        </InlineStack>
      </InlineStack>
    </div>
  );
}
