// Path patterns of the journal's filter and the fault rules (control-plane.md §4): `*` is one segment, `**` the rest
// (zero or more segments, last only); `*` inside a segment is any run of characters but `/`; the rest is literal.
// Both sides are compared percent-decoded, so `/users/张三` matches a request for `/users/%E5%BC%A0%E4%B8%89`.

/** A pattern that is not one; the admin plane answers it 400 `invalid_request`. */
export class PatternError extends Error {
  override name = 'PatternError';
}

export type PathMatcher = (path: string) => boolean;

const decode = (s: string): string => {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a malformed escape is matched as written
  }
};

const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** The decoded path a pattern is matched against. */
export const decodePath = (path: string): string => (path.includes('%') ? path.split('/').map(decode).join('/') : path);

/** Compiles a pattern once (rules and filters match many paths); PatternError when it is malformed. */
export function compilePathPattern(pattern: string): PathMatcher {
  if (pattern === '**') return () => true;
  if (!pattern.startsWith('/')) throw new PatternError(`path pattern ${JSON.stringify(pattern)} must start with / (or be ** for every path)`);
  const segments = pattern.slice(1).split('/').map(decode);
  const rest = segments.indexOf('**');
  if (rest !== -1 && rest !== segments.length - 1) throw new PatternError(`path pattern ${JSON.stringify(pattern)}: ** stands for the rest of the path, so it must be the last segment`);
  if (segments.some((s) => s.includes('**') && s !== '**')) throw new PatternError(`path pattern ${JSON.stringify(pattern)}: ** must be a whole segment`);
  if (!segments.some((s) => s.includes('*'))) {
    const literal = `/${segments.join('/')}`;
    return (path) => decodePath(path) === literal;
  }
  const body = segments
    .map((s) => {
      if (s === '**') return '(?:/.*)?';
      if (s === '*') return '/[^/]+';
      return `/${s.split('*').map(escape).join('[^/]*')}`;
    })
    .join('');
  const re = new RegExp(`^${body}$`, 's');
  return (path) => re.test(decodePath(path));
}
