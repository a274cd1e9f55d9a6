/**
 * One prediction from start to bytes in hand, without `replicate.run()` (which can return null
 * for a slow prediction, polls forever on a status it does not know, and fetches outputs lazily,
 * after they may have expired):
 *
 * 1. A slot: at most `maxConcurrentPredictions` predictions in flight in this process.
 * 2. Obtain the prediction, idempotently. The ledger remembers each idempotency key's
 *    prediction; a creation whose answer was lost is looked up in Replicate's prediction list
 *    (same model, same input, created since) before anything is created again.
 * 3. Wait for it to finish: the signed webhook when configured, polling always as the fallback,
 *    a deadline after which it is canceled. An AbortSignal cancels it on Replicate too.
 * 4. Copy the outputs into memory at once (Replicate deletes them after an hour), and delete any
 *    input files uploaded for it.
 */
import { createHash, randomUUID } from "node:crypto";

import type Replicate from "replicate";
import type { Page, Prediction } from "replicate";

import { Semaphore, abortReason, sleep } from "../concurrency.ts";
import { OPERATION_LABELS } from "../errors.ts";
import { AiProviderError, type AiOperation, type CallOptions } from "../provider.ts";
import type { ResolvedReplicateOptions } from "./config.server.ts";
import { predictionFailure, requestError, transportFailureOf } from "./errors.server.ts";
import { InMemoryPredictionLedger, type PredictionLedger } from "./ledger.server.ts";
import type { ModelRef } from "./models.server.ts";
import { backoffDelay } from "./transport.server.ts";
import { isTerminal, type PredictionUpdates } from "./webhooks.server.ts";

export interface ImageFile {
  bytes: Buffer;
  mimeType: string;
}

export interface PredictionSpec {
  operation: AiOperation;
  model: ModelRef;
  images: Record<string, ImageFile>;
  input(refs: Record<string, string>): Record<string, unknown>;
  /** "images": the output holds file URLs to copy; "value": the output itself is the answer. */
  output: "images" | "value";
}

export interface PredictionResult {
  prediction: Prediction;
  images: Buffer[];
}

/** A server error on creation is looked up, then retried, this many times in all. */
const CREATE_ATTEMPTS = 3;
/** How far Replicate's clock may be from ours when matching a prediction by creation time. */
const CLOCK_SKEW_MS = 2 * 60 * 1000;

interface RunContext {
  uploads: string[];
  /** A creation request still on its way, to be canceled when it lands if the caller gave up. */
  pendingCreation: Promise<Prediction> | null;
  /** Input files a prediction we could not confirm may still be reading. */
  keepUploads: boolean;
  /** The prediction came from the ledger rather than a new creation. */
  reused: boolean;
}

export class PredictionRunner {
  private readonly client: Replicate;
  private readonly fetch: typeof fetch;
  private readonly options: ResolvedReplicateOptions;
  private readonly updates: PredictionUpdates;
  private readonly ledger: PredictionLedger;
  private readonly slots: Semaphore;
  private readonly background = new Set<Promise<unknown>>();

  constructor(deps: {
    client: Replicate;
    fetch: typeof fetch;
    options: ResolvedReplicateOptions;
    updates: PredictionUpdates;
  }) {
    this.client = deps.client;
    this.fetch = deps.fetch;
    this.options = deps.options;
    this.updates = deps.updates;
    this.ledger = deps.options.ledger ?? new InMemoryPredictionLedger();
    this.slots = new Semaphore(deps.options.maxConcurrentPredictions);
  }

  /** Resolves when background cancellations and clean-ups have finished. */
  async idle() {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  async run(spec: PredictionSpec, call: CallOptions = {}): Promise<PredictionResult> {
    const { signal } = call;
    // The operation goes last: a key's beginning names its shop (predictionKey in
    // database-ledger.server.ts), which the database ledger scopes its rows by.
    const key = `${call.idempotencyKey ?? randomUUID()}#${spec.operation}`;
    const release = await this.slots.acquire(signal);
    const context: RunContext = {
      uploads: [],
      pendingCreation: null,
      keepUploads: false,
      reused: false,
    };
    let handedOff = false;
    try {
      for (let pass = 1; ; pass++) {
        const prediction = await this.settle(
          await this.obtain(key, spec, context, signal),
          spec,
          signal,
        );
        if (prediction.status === "canceled") throw canceledRemotely(spec.operation, prediction);
        if (prediction.status !== "succeeded") throw predictionFailure(prediction, spec.operation);
        try {
          const images =
            spec.output === "images" ? await this.copyOutputs(prediction, spec, signal) : [];
          return { prediction, images };
        } catch (error) {
          // A prediction remembered from an earlier call may have outlived its outputs: run anew.
          if (!(context.reused && pass === 1 && isExpired(error))) throw error;
          await this.ledger.delete(key);
        }
      }
    } catch (error) {
      if (signal?.aborted && context.pendingCreation) {
        // The creation request is still out; cancel the prediction once it exists. The slot is
        // held until then, so the limit on predictions in flight stays true.
        handedOff = true;
        this.track(
          context.pendingCreation
            .then((prediction) =>
              isTerminal(prediction) ? undefined : this.cancelQuietly(prediction.id),
            )
            .catch(() => undefined)
            .finally(() => {
              release();
              return this.deleteUploads(context.uploads);
            }),
        );
      }
      throw error;
    } finally {
      if (!handedOff) {
        release();
        if (!context.keepUploads) await this.deleteUploads(context.uploads);
      }
    }
  }

  private async obtain(
    key: string,
    spec: PredictionSpec,
    context: RunContext,
    signal?: AbortSignal,
  ): Promise<Prediction> {
    const entry = await this.ledger.get(key);
    if (entry?.state === "created") {
      const existing = await this.existing(entry.predictionId, spec);
      if (existing) {
        context.reused = true;
        return existing;
      }
      await this.ledger.delete(key);
    } else if (entry?.state === "creating") {
      // An earlier creation under this key went unanswered: find it before creating anything.
      const found = await this.lookup(key, entry);
      if (found === "unknown")
        throw unconfirmed(spec.operation, new Error("prediction list unreadable"));
      if (found) {
        await this.ledger.set(key, { state: "created", predictionId: found.id });
        context.reused = true;
        return found;
      }
    }

    const input = spec.input(await this.prepareImages(spec, context, signal));
    const expected = {
      model: spec.model.name,
      fingerprint: fingerprint(spec.model.name, input),
      startedAt: Date.now(),
    };
    await this.ledger.set(key, { state: "creating", ...expected });
    for (let attempt = 1; ; attempt++) {
      try {
        const creation = this.client.predictions.create(this.creationRequest(spec.model, input));
        context.pendingCreation = creation;
        const prediction = await untilAborted(creation, signal);
        context.pendingCreation = null;
        await this.ledger.set(key, { state: "created", predictionId: prediction.id });
        return prediction;
      } catch (error) {
        if (signal?.aborted) throw error;
        context.pendingCreation = null;
        const failure = transportFailureOf(error) ?? (answerCutShort(error) ? "no-answer" : null);
        if (failure !== "no-answer" && failure !== "server-error") {
          // Refused outright (invalid input, auth, rate limit outlasted): nothing was created.
          await this.ledger.delete(key);
          throw requestError(error, spec.operation, spec.model.id);
        }
        // The creation may or may not have happened: never create again without looking.
        const found = await this.lookup(key, expected);
        if (found && found !== "unknown") {
          await this.ledger.set(key, { state: "created", predictionId: found.id });
          return found;
        }
        if (failure === "server-error" && found === null && attempt < CREATE_ATTEMPTS) {
          await sleep(backoffDelay(attempt, { baseDelayMs: 500, maxDelayMs: 4_000 }), signal);
          continue;
        }
        if (failure === "server-error" && found === null) {
          await this.ledger.delete(key);
          throw requestError(error, spec.operation, spec.model.id);
        }
        // No answer and not (yet) in the list: it may still appear. The ledger keeps the key as
        // "creating", so the next attempt with this key looks again before creating.
        context.keepUploads = true;
        throw unconfirmed(spec.operation, error);
      }
    }
  }

  private creationRequest(model: ModelRef, input: Record<string, unknown>) {
    const target = model.version ? { version: model.version } : { model: model.name };
    const webhook = this.options.webhook
      ? { webhook: this.options.webhook.url, webhook_events_filter: ["completed" as const] }
      : {};
    const wait = this.options.syncWaitSeconds > 0 ? { wait: this.options.syncWaitSeconds } : {};
    return { ...target, input, ...webhook, ...wait };
  }

  /**
   * A remembered prediction that is still running or succeeded. One that failed or was canceled,
   * or whose data Replicate has removed, is not reused: asking again means trying again.
   */
  private async existing(id: string, spec: PredictionSpec): Promise<Prediction | null> {
    try {
      const prediction = await this.client.predictions.get(id);
      const usable =
        !prediction.data_removed && (!isTerminal(prediction) || prediction.status === "succeeded");
      return usable ? prediction : null;
    } catch (error) {
      const mapped = requestError(error, spec.operation, spec.model.id);
      if (mapped.code === "model_unavailable") return null; // 404: no such prediction
      throw mapped;
    }
  }

  /**
   * Searches the newest predictions for one with this model and input, created since the attempt
   * began. "unknown" when the list itself could not be read.
   */
  private async lookup(
    key: string,
    expected: {
      model: string;
      fingerprint: string;
      startedAt: number;
    },
  ): Promise<Prediction | null | "unknown"> {
    const since = expected.startedAt - CLOCK_SKEW_MS;
    try {
      for (let round = 0; round < 2; round++) {
        // Give a creation that is still on its way time to land.
        await sleep(this.options.lookupDelayMs * (round + 1));
        let page: Page<Prediction> | null = await this.client.predictions.list();
        for (let pages = 0; page && pages < 3; pages++) {
          let older = false;
          for (const prediction of page.results) {
            if (Date.parse(prediction.created_at) < since) {
              older = true;
              break;
            }
            if (
              prediction.model === expected.model &&
              fingerprint(prediction.model, prediction.input) === expected.fingerprint &&
              !(await this.ledger.heldElsewhere(key, prediction.id))
            ) {
              return prediction;
            }
          }
          page =
            !older && page.next
              ? ((await (
                  await this.client.request(page.next, { method: "GET" })
                ).json()) as Page<Prediction>)
              : null;
        }
      }
      return null;
    } catch {
      return "unknown";
    }
  }

  /** Waits for a terminal state: webhook or poll, whichever comes first, within the deadline. */
  private settle(
    initial: Prediction,
    spec: PredictionSpec,
    signal?: AbortSignal,
  ): Promise<Prediction> {
    if (isTerminal(initial)) return Promise.resolve(initial);
    return new Promise((resolve, reject) => {
      const stop = new AbortController();
      let finished = false;
      const finish = (outcome: () => void) => {
        if (finished) return;
        finished = true;
        stop.abort();
        unsubscribe();
        clearTimeout(deadline);
        signal?.removeEventListener("abort", onAbort);
        outcome();
      };
      const unsubscribe = this.updates.subscribe(initial.id, (update) => {
        if (isTerminal(update)) finish(() => resolve(update));
      });
      const deadline = setTimeout(() => {
        void this.cancelQuietly(initial.id).then(() =>
          finish(() =>
            reject(
              new AiProviderError(
                "timed_out",
                "The AI service took too long with this photo. Try again later.",
                true,
              ),
            ),
          ),
        );
      }, this.options.predictionTimeoutMs);
      const onAbort = () => {
        void this.cancelQuietly(initial.id).then(() => finish(() => reject(abortReason(signal!))));
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
      this.poll(initial.id, spec, stop.signal).then(
        (update) => update && finish(() => resolve(update)),
        (error) => finish(() => reject(error)),
      );
    });
  }

  private async poll(
    id: string,
    spec: PredictionSpec,
    stop: AbortSignal,
  ): Promise<Prediction | null> {
    const { pollIntervalMs, webhook } = this.options;
    // With webhooks, polling is only the safety net; without, it starts quick and backs off.
    let interval = webhook ? pollIntervalMs : Math.min(500, pollIntervalMs);
    while (!stop.aborted) {
      try {
        await sleep(interval, stop);
        const prediction = await this.client.predictions.get(id, { signal: stop });
        // A status this code does not know is not terminal: keep waiting until the deadline.
        if (isTerminal(prediction)) return prediction;
      } catch (error) {
        if (stop.aborted) return null;
        // Transient trouble (the transport already retried) just means: ask again later.
        const mapped = requestError(error, spec.operation, spec.model.id);
        if (!mapped.retryable) throw mapped;
      }
      if (!webhook) interval = Math.min(pollIntervalMs, Math.round(interval * 1.5));
    }
    return null;
  }

  private async copyOutputs(prediction: Prediction, spec: PredictionSpec, signal?: AbortSignal) {
    const urls = outputUrls(prediction.output);
    if (urls.length === 0) {
      throw unexpectedOutput(
        spec.operation,
        new Error(`no file in ${JSON.stringify(prediction.output)}`),
      );
    }
    return Promise.all(urls.map((url) => this.download(url, spec.operation, signal)));
  }

  private async download(
    url: string,
    operation: AiOperation,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const inline = /^data:[^,]*?(;base64)?,(.*)$/s.exec(url);
    if (inline) {
      return inline[1]
        ? Buffer.from(inline[2]!, "base64")
        : Buffer.from(decodeURIComponent(inline[2]!));
    }
    // Files served by the API itself need the token; replicate.delivery URLs are capabilities.
    const headers: Record<string, string> =
      new URL(url).origin === new URL(this.options.baseUrl).origin
        ? { authorization: `Bearer ${this.options.token}` }
        : {};
    const response = await this.fetch(url, { headers, signal });
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      throw new AiProviderError(
        "output_expired",
        `The AI result for the ${OPERATION_LABELS[operation]} expired before Photo Studio could ` +
          "save it. Run it again.",
        true,
        { cause: new Error(`${response.status} for ${url}`) },
      );
    }
    if (!response.ok) {
      const error = Object.assign(new Error(`Download of ${url} failed: ${response.status}`), {
        response,
      });
      throw requestError(error, operation, "");
    }
    try {
      return Buffer.from(await response.arrayBuffer());
    } catch (error) {
      if (signal?.aborted || !answerCutShort(error)) throw error;
      // Not a cancellation: the result is still there, and asking again (same key) fetches it.
      throw new AiProviderError(
        "unreachable",
        `Photo Studio couldn't download the AI result for the ${OPERATION_LABELS[operation]}. ` +
          "Try again in a moment.",
        true,
        { cause: error },
      );
    }
  }

  private async prepareImages(spec: PredictionSpec, context: RunContext, signal?: AbortSignal) {
    const refs: Record<string, string> = {};
    for (const [name, file] of Object.entries(spec.images)) {
      if (file.bytes.length <= this.options.inlineFileLimitBytes) {
        refs[name] = `data:${file.mimeType};base64,${file.bytes.toString("base64")}`;
        continue;
      }
      try {
        const blob = new Blob([new Uint8Array(file.bytes)], { type: file.mimeType });
        const uploaded = await this.client.files.create(
          blob,
          { purpose: "photo-studio" },
          { signal },
        );
        context.uploads.push(uploaded.id);
        refs[name] = uploaded.urls.get;
      } catch (error) {
        if (signal?.aborted) throw error;
        throw requestError(error, spec.operation, spec.model.id);
      }
    }
    return refs;
  }

  private async deleteUploads(ids: string[]) {
    await Promise.all(ids.map((id) => this.client.files.delete(id).catch(() => false)));
  }

  private async cancelQuietly(id: string) {
    await this.client.predictions.cancel(id).catch(() => undefined);
  }

  private track(promise: Promise<unknown>) {
    this.background.add(promise);
    void promise.finally(() => this.background.delete(promise));
  }
}

function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** A stable hash of model and input: keys sorted, so equal inputs hash equal. */
export function fingerprint(model: string, input: unknown) {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === "object") {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  };
  return createHash("sha256")
    .update(JSON.stringify([model, canonical(input)]))
    .digest("hex");
}

/** Every file URL in a prediction's output, in order. */
export function outputUrls(output: unknown): string[] {
  if (typeof output === "string") return /^(https?:\/\/|data:)/.test(output) ? [output] : [];
  if (Array.isArray(output)) return output.flatMap(outputUrls);
  if (output && typeof output === "object") return Object.values(output).flatMap(outputUrls);
  return [];
}

/**
 * An answer that began but never fully arrived: the request's time ran out while its body was
 * read (a process busy with other work reads slowly), or the connection broke mid-body. For a
 * creation that means the prediction may exist, exactly as when no answer came at all.
 */
function answerCutShort(error: unknown) {
  return (
    (error instanceof DOMException &&
      (error.name === "TimeoutError" || error.name === "AbortError")) ||
    (error instanceof TypeError && error.message === "terminated")
  );
}

function unconfirmed(operation: AiOperation, cause: unknown) {
  return new AiProviderError(
    "unconfirmed",
    `Photo Studio couldn't confirm that the AI service started the ` +
      `${OPERATION_LABELS[operation]}. Try again in a moment.`,
    true,
    { cause },
  );
}

function unexpectedOutput(operation: AiOperation, cause: unknown) {
  return new AiProviderError(
    "unexpected_output",
    `The AI service returned something Photo Studio couldn't use for the ` +
      `${OPERATION_LABELS[operation]}. Try again.`,
    true,
    { cause },
  );
}

function canceledRemotely(operation: AiOperation, prediction: Prediction) {
  return new AiProviderError(
    "canceled_remotely",
    `The ${OPERATION_LABELS[operation]} was stopped on the AI service's side. Try again.`,
    true,
    { cause: new Error(`Replicate prediction ${prediction.id} canceled`) },
  );
}

function isExpired(error: unknown) {
  return error instanceof AiProviderError && error.code === "output_expired";
}
