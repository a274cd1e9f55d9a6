/**
 * A worker thread of cutout-threads.server.ts: cut-outs computed off the event loop. Plain
 * TypeScript with relative imports only, so Node loads it as it is (type stripping), whether the
 * app runs from source or from the Remix build.
 */
import { parentPort } from "node:worker_threads";

import { cutoutFromAlpha, cutoutFromMatte } from "./matte.ts";

export type CutoutRequest =
  | { id: number; kind: "alpha"; rgb: Uint8Array; alpha: Uint8Array; width: number; height: number }
  | {
      id: number;
      kind: "matte";
      rgb: Uint8Array;
      matte: Float32Array;
      width: number;
      height: number;
      refine: boolean;
    };

export type CutoutReply = { id: number; rgba: Uint8Array } | { id: number; error: string };

parentPort?.on("message", (request: CutoutRequest) => {
  let reply: CutoutReply;
  try {
    const rgba =
      request.kind === "alpha"
        ? cutoutFromAlpha(request.rgb, request.alpha, request.width, request.height)
        : cutoutFromMatte(request.rgb, request.matte, request.width, request.height, {
            refine: request.refine,
          });
    reply = { id: request.id, rgba };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply, "rgba" in reply ? [reply.rgba.buffer as ArrayBuffer] : []);
});
