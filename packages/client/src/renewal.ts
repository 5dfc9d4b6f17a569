/** Clients renew temporary AWS credentials this long before they expire, so no signed call goes out with stale ones. */
export const RENEW_MARGIN_MS = 5 * 60 * 1000;

export function needsRenewal(expiration: Date | number | undefined, now = Date.now()): boolean {
  if (expiration === undefined) return false;
  return new Date(expiration).getTime() - RENEW_MARGIN_MS <= now;
}
