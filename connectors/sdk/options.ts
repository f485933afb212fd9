/**
 * Checks a connector runs on its options at construction, so a bad registration fails at start
 * with a message naming the connector and the option, never on the first request.
 */
export function httpBaseUrl(connector: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${connector}: baseUrl must be an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${connector}: baseUrl must be http(s)`);
  return value.replace(/\/+$/, '');
}

export function wholeNumberIn(connector: string, option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${connector}: ${option} must be ${min}..${max}`);
  return value;
}
