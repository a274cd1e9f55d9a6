/**
 * Posting to the merchant's chat webhook: `{"text": "..."}` as JSON, the message shape Slack's
 * incoming webhooks take (https://api.slack.com/messaging/webhooks) and many other chat tools
 * accept. The URL is the merchant's secret: it never appears in an error or a log.
 */
export class ChatWebhookError extends Error {
  override name = "ChatWebhookError";
}

export async function postToChatWebhook(
  url: string,
  text: string,
  { idempotencyKey, timeoutMs = 10_000 }: { idempotencyKey: string; timeoutMs?: number },
) {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "error",
    });
  } catch (error) {
    throw new ChatWebhookError(`The chat webhook could not be reached (${(error as Error).name})`);
  }
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new ChatWebhookError(`The chat webhook answered ${response.status}`);
}
