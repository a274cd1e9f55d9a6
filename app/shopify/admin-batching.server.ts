/**
 * Coalescing concurrent Admin calls of one kind into one request per shop. Shopify prices a
 * mutation at 10 points whatever its input count and a `nodes` read by the nodes it returns, so
 * the write-backs running at once (one per product) can share one stagedUploadsCreate, one
 * fileUpdate and one `nodes` poll instead of sending one each.
 *
 * A batch goes `windowMs` after its first call, or at once when it is full, but not while another
 * batch of its kind for the shop is still under way: calls arriving meanwhile join the next one.
 * So the busier the shop's bucket (the client then waits before sending), the larger the batches
 * and the fewer points each call costs, while a lone call waits only the window.
 *
 * A batch is only ever one shop's (the key is the client's shop) and goes through the client of
 * its first call: every client of a shop spends from the same bucket and reaches the same store.
 * Each kind's `send` maps Shopify's answer back to the inputs, userErrors by the input index in
 * their field path; an input it cannot tell about (the batch was refused for another input's sake)
 * goes again, alone if needs be, so every caller gets its own answer.
 * https://shopify.dev/docs/api/usage/rate-limits#cost-calculation
 */
import type { AdminClient } from "./admin-types.ts";

/** What a batch answered about one input; `again`: nothing yet, send it once more. */
export type BatchOutcome<O> = { value: O } | { error: unknown } | { again: true };

export interface BatchKind<I, O> {
  /** The most inputs one request carries. */
  maxSize: number;
  /** How long the first call of a batch waits for others. */
  windowMs: number;
  /**
   * Sends one request for `inputs` and answers one outcome per input, in order. With a single
   * input it must not answer `again`: whatever Shopify said is about that input.
   */
  send(admin: AdminClient, inputs: I[]): Promise<Array<BatchOutcome<O>>>;
}

interface Call<I, O> {
  admin: AdminClient;
  input: I;
  resolve(value: O): void;
  reject(error: unknown): void;
  /** Set once the caller has its answer (or gave up): later outcomes are dropped. */
  done: boolean;
}

interface ShopQueue<I, O> {
  calls: Array<Call<I, O>>;
  timer: ReturnType<typeof setTimeout> | null;
  /** The window of the waiting calls has passed. */
  due: boolean;
  inFlight: number;
}

export type Batched<I, O> = (admin: AdminClient, input: I, signal?: AbortSignal) => Promise<O>;

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/**
 * A function that sends `input` together with the other calls of this kind for the same shop.
 * A caller's signal ends its own wait; the batch, shared with others, goes on.
 */
export function batched<I, O>(kind: BatchKind<I, O>): Batched<I, O> {
  const queues = new Map<string, ShopQueue<I, O>>();

  const dispatch = (shop: string, queue: ShopQueue<I, O>, calls: Array<Call<I, O>>) => {
    const live = calls.filter((call) => !call.done);
    if (live.length === 0) return;
    queue.inFlight += 1;
    void run(live[0]!.admin, live).finally(() => {
      queue.inFlight -= 1;
      flush(shop, queue);
    });
  };

  const flush = (shop: string, queue: ShopQueue<I, O>) => {
    while (queue.calls.length >= kind.maxSize) {
      dispatch(shop, queue, queue.calls.splice(0, kind.maxSize));
    }
    if (queue.calls.length > 0 && queue.due && queue.inFlight === 0) {
      dispatch(shop, queue, queue.calls.splice(0));
    }
    if (queue.calls.length === 0) {
      if (queue.timer) clearTimeout(queue.timer);
      queue.timer = null;
      queue.due = false;
      if (queue.inFlight === 0 && queues.get(shop) === queue) queues.delete(shop);
    }
  };

  const run = async (admin: AdminClient, calls: Array<Call<I, O>>): Promise<void> => {
    let outcomes: Array<BatchOutcome<O>>;
    try {
      outcomes = await kind.send(
        admin,
        calls.map((call) => call.input),
      );
    } catch (error) {
      for (const call of calls) call.reject(error);
      return;
    }
    const again: Array<Call<I, O>> = [];
    calls.forEach((call, index) => {
      const outcome = outcomes[index] ?? { again: true };
      if ("value" in outcome) call.resolve(outcome.value);
      else if ("error" in outcome) call.reject(outcome.error);
      else again.push(call);
    });
    if (again.length === 0) return;
    if (calls.length === 1) {
      // A kind must answer a lone input; not doing so would loop for ever.
      calls[0]!.reject(new Error("A batched Admin call got no answer for its only input."));
      return;
    }
    // Shopify refused the batch for others' inputs: the rest go together once more. If the
    // answer said nothing about anyone, one at a time, so each answer is its own.
    if (again.length < calls.length) await run(admin, again);
    else await Promise.all(again.map((call) => run(admin, [call])));
  };

  return (admin, input, signal) =>
    new Promise<O>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = () => settle(() => reject(abortReason(signal!)));
      const settle = (finish: () => void) => {
        if (call.done) return;
        call.done = true;
        signal?.removeEventListener("abort", onAbort);
        finish();
      };
      const call: Call<I, O> = {
        admin,
        input,
        resolve: (value) => settle(() => resolve(value)),
        reject: (error) => settle(() => reject(error)),
        done: false,
      };
      signal?.addEventListener("abort", onAbort, { once: true });

      const shop = admin.shop;
      let queue = queues.get(shop);
      if (!queue) {
        queue = { calls: [], timer: null, due: false, inFlight: 0 };
        queues.set(shop, queue);
      }
      queue.calls.push(call);
      if (!queue.timer && !queue.due) {
        const waiting = queue;
        waiting.timer = setTimeout(() => {
          waiting.timer = null;
          waiting.due = true;
          flush(shop, waiting);
        }, kind.windowMs);
      }
      flush(shop, queue);
    });
}

/**
 * The input a userError is about, from its field path (`["files", "3", "alt"]`: Shopify writes
 * the index as a string, sometimes as a number); null when the path names none.
 */
export function inputIndex(field: ReadonlyArray<string | number> | null, root: string) {
  if (!field || field[0] !== root || field.length < 2) return null;
  const index = Number(field[1]);
  return Number.isInteger(index) && index >= 0 ? index : null;
}
