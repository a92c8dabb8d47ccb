/** Exact decimal microseconds of an integer number of nanoseconds, e.g. 4251 → "4.251". */
export function micros(ns: number): string {
  if (!Number.isSafeInteger(ns)) return String(ns / 1000);
  const sign = ns < 0 ? "-" : "";
  const abs = Math.abs(ns);
  const whole = Math.floor(abs / 1000);
  const frac = abs % 1000;
  if (frac === 0) return `${sign}${whole}`;
  return `${sign}${whole}.${String(frac).padStart(3, "0").replace(/0+$/, "")}`;
}
