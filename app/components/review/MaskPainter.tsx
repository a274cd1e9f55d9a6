import { BlockStack, Button, InlineStack, RangeSlider, Text } from "@shopify/polaris";
import {
  forwardRef,
  useCallback,
  useEffect,
  useImperativeHandle,
  useRef,
  useState,
  type PointerEvent,
} from "react";

/** One brush stroke in image-relative coordinates (0–1), so it scales to any pixel size. */
interface Stroke {
  /** Brush diameter as a share of the image's width. */
  size: number;
  points: Array<{ x: number; y: number }>;
}

export interface MaskPainterHandle {
  /** The mask as a PNG at the result's pixel size: white where strokes are, black elsewhere. */
  exportMask(): Promise<Blob | null>;
}

function drawStrokes(
  context: CanvasRenderingContext2D,
  strokes: Stroke[],
  width: number,
  height: number,
  colour: string,
) {
  context.strokeStyle = colour;
  context.fillStyle = colour;
  context.lineCap = "round";
  context.lineJoin = "round";
  for (const stroke of strokes) {
    const lineWidth = stroke.size * width;
    context.lineWidth = lineWidth;
    const [first, ...rest] = stroke.points;
    if (!first) continue;
    if (rest.length === 0) {
      context.beginPath();
      context.arc(first.x * width, first.y * height, lineWidth / 2, 0, Math.PI * 2);
      context.fill();
      continue;
    }
    context.beginPath();
    context.moveTo(first.x * width, first.y * height);
    for (const point of rest) context.lineTo(point.x * width, point.y * height);
    context.stroke();
  }
}

/**
 * The magic eraser's brush: the merchant paints over what should go, on a canvas laid over the
 * result. Strokes are kept as data (undo pops one) and drawn again at the result's own pixel size
 * for the mask, so what is sent matches the image whatever the screen size.
 */
export const MaskPainter = forwardRef<
  MaskPainterHandle,
  {
    image: string;
    width: number;
    height: number;
    productTitle: string;
    onChange?: (hasStrokes: boolean) => void;
  }
>(function MaskPainter({ image, width, height, productTitle, onChange }, ref) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [strokes, setStrokes] = useState<Stroke[]>([]);
  const [brush, setBrush] = useState(40);
  const drawing = useRef<Stroke | null>(null);

  const redraw = useCallback(
    (extra?: Stroke) => {
      const canvas = canvasRef.current;
      if (!canvas) return;
      const rect = canvas.getBoundingClientRect();
      const ratio = window.devicePixelRatio || 1;
      const w = Math.max(1, Math.round(rect.width * ratio));
      const h = Math.max(1, Math.round(rect.height * ratio));
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
      const context = canvas.getContext("2d");
      if (!context) return;
      context.clearRect(0, 0, w, h);
      drawStrokes(context, extra ? [...strokes, extra] : strokes, w, h, "rgba(227, 38, 54, 0.55)");
    },
    [strokes],
  );

  useEffect(() => {
    redraw();
    onChange?.(strokes.length > 0);
  }, [redraw, strokes.length, onChange]);

  useEffect(() => {
    const onResize = () => redraw();
    window.addEventListener("resize", onResize);
    return () => window.removeEventListener("resize", onResize);
  }, [redraw]);

  useImperativeHandle(
    ref,
    () => ({
      exportMask: () =>
        new Promise<Blob | null>((resolve) => {
          if (strokes.length === 0) return resolve(null);
          const canvas = document.createElement("canvas");
          canvas.width = width;
          canvas.height = height;
          const context = canvas.getContext("2d");
          if (!context) return resolve(null);
          context.fillStyle = "#000000";
          context.fillRect(0, 0, width, height);
          drawStrokes(context, strokes, width, height, "#ffffff");
          canvas.toBlob(resolve, "image/png");
        }),
    }),
    [strokes, width, height],
  );

  const pointAt = (event: PointerEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    return {
      x: Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)),
      y: Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height)),
    };
  };

  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    const rect = event.currentTarget.getBoundingClientRect();
    drawing.current = { size: brush / Math.max(1, rect.width), points: [pointAt(event)] };
    redraw(drawing.current);
  };
  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    if (!drawing.current) return;
    drawing.current.points.push(pointAt(event));
    redraw(drawing.current);
  };
  const onPointerUp = () => {
    const stroke = drawing.current;
    drawing.current = null;
    if (stroke) setStrokes((current) => [...current, stroke]);
  };

  return (
    <BlockStack gap="300">
      <div
        className="ps-paint"
        style={{
          aspectRatio: `${width} / ${height}`,
          width: `min(100%, calc(60vh * ${width / Math.max(1, height)}))`,
        }}
      >
        <img src={image} alt={`Result for ${productTitle}`} draggable={false} />
        <canvas
          ref={canvasRef}
          aria-label="Paint over what to erase"
          role="img"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerCancel={onPointerUp}
        />
      </div>
      <InlineStack gap="400" blockAlign="end" wrap>
        <div style={{ minWidth: 220, flex: 1 }}>
          <RangeSlider
            label="Brush size"
            min={5}
            max={120}
            step={1}
            value={brush}
            onChange={(value) => setBrush(typeof value === "number" ? value : value[0])}
            output
            suffix={<Text as="span">{`${brush} px`}</Text>}
          />
        </div>
        <InlineStack gap="200">
          <Button
            onClick={() => setStrokes((current) => current.slice(0, -1))}
            disabled={strokes.length === 0}
          >
            Undo
          </Button>
          <Button onClick={() => setStrokes([])} disabled={strokes.length === 0}>
            Clear
          </Button>
        </InlineStack>
      </InlineStack>
    </BlockStack>
  );
});
