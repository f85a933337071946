import type { MiddlewareHandler } from 'hono';

// Starlette's CORSMiddleware as the legacy app configured it: listed origins, credentials,
// GET/POST/PUT/DELETE/OPTIONS, and the headers below (plus the CORS-safelisted ones).
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'];
const SAFELISTED = ['Accept', 'Accept-Language', 'Content-Language', 'Content-Type'];
const HEADERS = [...new Set([...SAFELISTED, 'Content-Type', 'Authorization', 'X-Requested-With'])].sort();
const HEADERS_LOWER = new Set(HEADERS.map((h) => h.toLowerCase()));

export function starletteCors(origins: string[]): MiddlewareHandler {
  const allowAll = origins.includes('*');
  const allowed = (o: string) => allowAll || origins.includes(o);
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined) return next();
    const requestedMethod = c.req.header('access-control-request-method');
    if (c.req.method === 'OPTIONS' && requestedMethod !== undefined) {
      const headers: Record<string, string> = {
        vary: 'Origin',
        'access-control-allow-methods': METHODS.join(', '),
        'access-control-max-age': '600',
        'access-control-allow-headers': HEADERS.join(', '),
        'access-control-allow-credentials': 'true',
      };
      const failures: string[] = [];
      if (allowed(origin)) headers['access-control-allow-origin'] = origin;
      else failures.push('origin');
      if (!METHODS.includes(requestedMethod)) failures.push('method');
      const requested = c.req.header('access-control-request-headers');
      if (requested !== undefined && requested.split(',').some((h) => !HEADERS_LOWER.has(h.trim().toLowerCase()))) {
        failures.push('headers');
      }
      const body = failures.length ? `Disallowed CORS ${failures.join(', ')}` : 'OK';
      return new Response(body, {
        status: failures.length ? 400 : 200,
        headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' },
      });
    }
    await next();
    c.res.headers.set('access-control-allow-credentials', 'true');
    if (allowed(origin)) {
      c.res.headers.set('access-control-allow-origin', origin);
      c.res.headers.append('vary', 'Origin');
    }
  };
}
