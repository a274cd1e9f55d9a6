/**
 * Decimal amounts for billing, exact (no floating point): parsed into millionths, summed and
 * compared as bigints, and written back the way the Admin API writes its `Decimal` scalar
 * (Ruby's BigDecimal: no trailing zeros, at least one decimal, "10.0", "12.5", "0.0").
 */
const SCALE = 6;
const UNIT = 10n ** BigInt(SCALE);

/** An amount in millionths of the currency unit; null when the text is not a decimal. */
export function parseAmount(value: unknown): bigint | null {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string") return null;
  const match = /^\s*(-?)(\d+)(?:\.(\d+))?\s*$/.exec(text);
  if (!match) return null;
  const fraction = (match[3] ?? "").slice(0, SCALE).padEnd(SCALE, "0");
  const units = BigInt(match[2]!) * UNIT + BigInt(fraction);
  return match[1] ? -units : units;
}

export function formatAmount(units: bigint): string {
  const negative = units < 0n;
  const absolute = negative ? -units : units;
  const whole = absolute / UNIT;
  const fraction = (absolute % UNIT).toString().padStart(SCALE, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}.${fraction || "0"}`;
}

/** The Admin API's spelling of a decimal amount given as text or number ("10" → "10.0"). */
export function normalizeAmount(value: unknown): string | null {
  const units = parseAmount(value);
  return units === null ? null : formatAmount(units);
}

export function addAmounts(...values: string[]): string {
  return formatAmount(values.reduce((sum, value) => sum + (parseAmount(value) ?? 0n), 0n));
}

/** `amount` less `discount`, never below zero. */
export function subtractAmount(amount: string, discount: string): string {
  const difference = (parseAmount(amount) ?? 0n) - (parseAmount(discount) ?? 0n);
  return formatAmount(difference > 0n ? difference : 0n);
}

export function compareAmounts(a: string, b: string): number {
  const difference = (parseAmount(a) ?? 0n) - (parseAmount(b) ?? 0n);
  return difference === 0n ? 0 : difference > 0n ? 1 : -1;
}

/** `amount` less a fraction of it (0.1 is 10 %), rounded to the cent: a discounted price. */
export function applyPercentage(amount: string, fraction: number): string {
  const units = parseAmount(amount) ?? 0n;
  const discounted = (units * BigInt(Math.round((1 - fraction) * 100_000))) / 100_000n;
  const cent = UNIT / 100n;
  return formatAmount(((discounted + cent / 2n) / cent) * cent);
}

/** The MoneyV2 object of an amount. */
export function money(amount: string, currencyCode: string) {
  return { __typename: "MoneyV2", amount, currencyCode };
}
