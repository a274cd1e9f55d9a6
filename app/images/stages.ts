/**
 * Stage timings for profiling (`scripts/profile-generation.ts`): a stage publishes its CPU and
 * wall time on the `photo-studio:stage` diagnostics channel, and costs nothing more than a
 * property read when nobody listens. CPU is the whole process's (sharp's threads included), so
 * it is only meaningful while one image is processed at a time. app/ai publishes on the same
 * channel by name, without importing the engine.
 */
import { channel } from "node:diagnostics_channel";

export interface StageTiming {
  name: string;
  /** User + system CPU of the whole process during the stage. */
  cpuMs: number;
  wallMs: number;
}

export const STAGE_CHANNEL = "photo-studio:stage";

const stages = channel(STAGE_CHANNEL);

export async function stage<T>(name: string, run: () => Promise<T>): Promise<T> {
  if (!stages.hasSubscribers) return run();
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    return await run();
  } finally {
    const used = process.cpuUsage(cpu);
    const timing: StageTiming = {
      name,
      cpuMs: (used.user + used.system) / 1000,
      wallMs: performance.now() - started,
    };
    stages.publish(timing);
  }
}
