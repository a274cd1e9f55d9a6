/**
 * Where a shop's job notifications may be posted. A chat webhook URL is a secret of the merchant's
 * (whoever holds it can post to their channel), so it only ever travels over https; plain http is
 * accepted for the machine itself, which is where the tests' and a developer's receivers listen.
 */
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function isNotificationWebhookUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.username || url.password) return false;
  return url.protocol === "https:" || (url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname));
}
