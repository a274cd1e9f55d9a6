import { ProgressBar } from "@shopify/polaris";

/**
 * Polaris' bar inside an ARIA progressbar that states its value: the native <progress> Polaris
 * draws exposes no aria-valuenow, which assistive technology (and browser tests) read.
 */
export function JobProgressBar({
  percent,
  labelledBy,
  critical = false,
  size,
}: {
  percent: number;
  labelledBy: string;
  critical?: boolean;
  size?: "small" | "medium" | "large";
}) {
  return (
    <div
      role="progressbar"
      aria-labelledby={labelledBy}
      aria-valuenow={percent}
      aria-valuemin={0}
      aria-valuemax={100}
    >
      <div aria-hidden="true">
        <ProgressBar
          progress={percent}
          tone={critical ? "critical" : "primary"}
          {...(size ? { size } : {})}
        />
      </div>
    </div>
  );
}
