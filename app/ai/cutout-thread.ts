/**
 * A worker thread of cutout-threads.server.ts: cut-outs computed off the event loop. Plain
 * TypeScript with relative imports only, so Node loads it as it is (type stripping), whether the
 * app runs from source or from the Remix build.
 */
import { parentPort } from "node:worker_threads";

import {
  computeCutout,
  describeFailure,
  type CutoutReply,
  type CutoutRequest,
} from "./cutout-work.ts";

parentPort?.on("message", (request: CutoutRequest) => {
  void computeCutout(request).then(
    (result) => {
      const reply: CutoutReply = { id: request.id, ...result };
      parentPort!.postMessage(reply, [result.rgba.buffer as ArrayBuffer]);
    },
    (error: unknown) => {
      const reply: CutoutReply = { id: request.id, error: describeFailure(error) };
      parentPort!.postMessage(reply);
    },
  );
});
