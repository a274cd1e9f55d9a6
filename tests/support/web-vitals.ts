import type { BrowserContext, Frame } from "playwright-core";

/**
 * Web Vitals measured in the browser as Chrome and the `web-vitals` library measure them, by
 * PerformanceObservers that an init script installs in every document (the admin page and the
 * app's frame alike) before any of its own scripts run.
 *
 * - LCP: the last `largest-contentful-paint` entry before the first input.
 * - CLS: the largest session window of `layout-shift` entries without recent input (shifts less
 *   than 1 s apart, a window at most 5 s long).
 * - INP: per interaction (`interactionId`), the longest `event` entry's duration; the page's INP is
 *   the longest interaction (fine for the few interactions a test makes).
 */
export interface WebVitals {
  /** Time to the document's first byte and to its first contentful paint, to explain the LCP. */
  ttfbMs: number | null;
  fcpMs: number | null;
  lcpMs: number | null;
  lcpElement: string | null;
  cls: number;
  interactions: Array<{ id: number; durationMs: number; names: string[] }>;
}

interface VitalsState {
  lcp: { time: number; element: string | null } | null;
  cls: number;
  interactions: Record<string, { durationMs: number; names: string[] }>;
}

declare global {
  interface Window {
    __photoStudioVitals?: VitalsState;
  }
}

function installObservers() {
  const state: VitalsState = { lcp: null, cls: 0, interactions: {} };
  window.__photoStudioVitals = state;
  const describe = (element: Element | null | undefined) => {
    if (!element) return null;
    const id = element.id ? `#${element.id}` : "";
    const src =
      element instanceof HTMLImageElement ? `[src=${element.currentSrc.slice(0, 60)}]` : "";
    return `${element.tagName.toLowerCase()}${id}${src}`;
  };
  const observe = (type: string, callback: (entries: PerformanceEntry[]) => void, extra = {}) => {
    try {
      new PerformanceObserver((list) => callback(list.getEntries())).observe({
        type,
        buffered: true,
        ...extra,
      });
    } catch {
      // An entry type this browser does not support stays unmeasured (null).
    }
  };
  observe("largest-contentful-paint", (entries) => {
    const last = entries.at(-1) as (PerformanceEntry & { element?: Element }) | undefined;
    if (last) state.lcp = { time: last.startTime, element: describe(last.element) };
  });
  let windowValue = 0;
  let windowStart = 0;
  let windowLast = 0;
  observe("layout-shift", (entries) => {
    for (const entry of entries as Array<
      PerformanceEntry & { value: number; hadRecentInput: boolean }
    >) {
      if (entry.hadRecentInput) continue;
      if (
        windowValue > 0 &&
        entry.startTime - windowLast < 1_000 &&
        entry.startTime - windowStart < 5_000
      ) {
        windowValue += entry.value;
      } else {
        windowValue = entry.value;
        windowStart = entry.startTime;
      }
      windowLast = entry.startTime;
      state.cls = Math.max(state.cls, windowValue);
    }
  });
  observe(
    "event",
    (entries) => {
      for (const entry of entries as Array<PerformanceEntry & { interactionId?: number }>) {
        if (!entry.interactionId) continue;
        const known = (state.interactions[entry.interactionId] ??= { durationMs: 0, names: [] });
        known.durationMs = Math.max(known.durationMs, entry.duration);
        if (!known.names.includes(entry.name)) known.names.push(entry.name);
      }
    },
    // The smallest threshold the spec allows, so short interactions are seen too.
    { durationThreshold: 16 },
  );
}

/** Installs the observers in every document the context loads from now on. */
export async function measureWebVitals(context: BrowserContext): Promise<void> {
  await context.addInitScript(installObservers);
}

export async function readWebVitals(frame: Frame): Promise<WebVitals> {
  const state = await frame.evaluate(() => window.__photoStudioVitals ?? null);
  if (!state)
    throw new Error(`No Web Vitals observers in ${frame.url()}: call measureWebVitals first`);
  const timing = await frame.evaluate(() => {
    const navigation = performance.getEntriesByType("navigation")[0] as
      PerformanceNavigationTiming | undefined;
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    return { ttfb: navigation?.responseStart ?? null, fcp: fcp?.startTime ?? null };
  });
  return {
    ttfbMs: timing.ttfb === null ? null : Math.round(timing.ttfb),
    fcpMs: timing.fcp === null ? null : Math.round(timing.fcp),
    lcpMs: state.lcp ? Math.round(state.lcp.time) : null,
    lcpElement: state.lcp?.element ?? null,
    cls: Math.round(state.cls * 10_000) / 10_000,
    interactions: Object.entries(state.interactions).map(([id, interaction]) => ({
      id: Number(id),
      ...interaction,
    })),
  };
}

/** Waits until the frame has reported an interaction (event entries come after the next paint). */
export async function waitForInteraction(
  frame: Frame,
  { after = 0, timeoutMs = 5_000 } = {},
): Promise<WebVitals["interactions"][number]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const vitals = await readWebVitals(frame);
    const found = vitals.interactions.filter((interaction) => interaction.id > after);
    if (found.length > 0) {
      return found.reduce((longest, interaction) =>
        interaction.durationMs > longest.durationMs ? interaction : longest,
      );
    }
    if (Date.now() > deadline) throw new Error("The browser reported no interaction in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
