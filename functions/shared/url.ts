/** Appends `path` to the base URL's own path (a base may carry a prefix such as /meet). */
export function joinUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${path}`;
  return url;
}
