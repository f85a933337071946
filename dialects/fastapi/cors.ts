// Starlette's CORSMiddleware as the legacy app configured it: listed origins, credentials,
// GET/POST/PUT/DELETE/OPTIONS, and the headers below (plus the CORS-safelisted ones).
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'];
const SAFELISTED = ['Accept', 'Accept-Language', 'Content-Language', 'Content-Type'];
const HEADERS = [...new Set([...SAFELISTED, 'Content-Type', 'Authorization', 'X-Requested-With'])].sort();
const HEADERS_LOWER = new Set(HEADERS.map((h) => h.toLowerCase()));

export function starletteCors(origins: string[]) {
  const allowAll = origins.includes('*');
  const allowed = (o: string) => allowAll || origins.includes(o);
  return {
    /** The preflight answer (plain text, 200 `OK` or 400 `Disallowed CORS …`). */
    preflight(origin: string, method: string, requestedHeaders: string | undefined): Response {
      const headers: Record<string, string> = {
        vary: 'Origin',
        'access-control-allow-methods': METHODS.join(', '),
        'access-control-max-age': '600',
        'access-control-allow-headers': HEADERS.join(', '),
        'access-control-allow-credentials': 'true',
        'content-type': 'text/plain; charset=utf-8',
      };
      const failures: string[] = [];
      if (allowed(origin)) headers['access-control-allow-origin'] = origin;
      else failures.push('origin');
      if (!METHODS.includes(method)) failures.push('method');
      if (requestedHeaders !== undefined && requestedHeaders.split(',').some((h) => !HEADERS_LOWER.has(h.trim().toLowerCase()))) {
        failures.push('headers');
      }
      return new Response(failures.length ? `Disallowed CORS ${failures.join(', ')}` : 'OK', { status: failures.length ? 400 : 200, headers });
    },
    /** Headers a simple (non-preflight) response gets when the request names an origin. */
    simple(origin: string): Record<string, string> {
      return allowed(origin)
        ? { 'access-control-allow-credentials': 'true', 'access-control-allow-origin': origin, vary: 'Origin' }
        : { 'access-control-allow-credentials': 'true' };
    },
  };
}
