/**
 * Email, through whatever JSON HTTP email API the operator configures (EMAIL_API_URL,
 * EMAIL_API_KEY, EMAIL_FROM; unset: no email). The request, which most transactional email
 * services accept directly or behind a small adapter:
 *
 *   POST <EMAIL_API_URL>
 *   Authorization: Bearer <EMAIL_API_KEY>
 *   Content-Type: application/json
 *   Idempotency-Key: <one key per message: a retried send repeats it>
 *   {"from": "<EMAIL_FROM>", "to": ["merchant@example.com"], "subject": "...", "text": "..."}
 *
 * Any 2xx is success; anything else is an error the sending task retries.
 */
import type { AppEnv } from "../env.server.ts";

export type EmailConfig = NonNullable<AppEnv["email"]>;

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  idempotencyKey: string;
}

export class EmailSendError extends Error {
  override name = "EmailSendError";
}

export async function sendEmail(
  config: EmailConfig,
  message: EmailMessage,
  { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
) {
  let response: Response;
  try {
    response = await fetch(config.apiUrl, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${config.apiKey}`,
        "Content-Type": "application/json",
        "Idempotency-Key": message.idempotencyKey,
      },
      body: JSON.stringify({
        from: config.from,
        to: [message.to],
        subject: message.subject,
        text: message.text,
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    // The message names neither the key nor the recipient: errors reach logs.
    throw new EmailSendError(`The email API could not be reached (${(error as Error).name})`);
  }
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new EmailSendError(`The email API answered ${response.status}`);
}
