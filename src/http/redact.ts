// What the journal never shows (control-plane.md §4, "Journal"): credential headers, fields named like a secret at
// any depth, and API keys and JWTs anywhere. Bodies keep their bytes otherwise (a journal is read to see what was
// sent), so JSON is redacted by scanning its text, not by parsing and re-serialising it; truncated or malformed JSON
// is scanned the same way, best effort, and unterminated secret values are cut to the end.

export const REDACTED = '[REDACTED]';

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-token', 'x-api-key', 'cookie', 'set-cookie']);
const SECRET_NAME = /password|secret|token/i;

/** A field whose value is a secret: its name contains `password`, `secret` or `token`, or it is `key`. */
export const isSecretField = (name: string): boolean => SECRET_NAME.test(name) || name.toLowerCase() === 'key';

// `ak_…` not inside a word (`break_fast` is not a key); JWTs by their header, which always starts `{"` (eyJ).
const API_KEY = /(?<![A-Za-z0-9_])ak_[A-Za-z0-9_-]+/g;
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/** API keys and JWT-shaped strings anywhere in a text. */
export function redactCredentials(text: string): string {
  if (text.includes('ak_')) text = text.replace(API_KEY, REDACTED);
  if (text.includes('eyJ')) text = text.replace(JWT, REDACTED);
  return text;
}

/** One header's value as the journal shows it: an Authorization keeps its scheme, a cookie its names. */
export function redactHeader(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (!SECRET_HEADERS.has(lower)) return redactCredentials(value);
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    const m = /^([A-Za-z][A-Za-z0-9_-]*) +\S/.exec(value);
    return m ? `${m[1]} ${REDACTED}` : REDACTED;
  }
  if (lower === 'cookie') return value.split(';').map((pair) => redactPair(pair.trim())).join('; ');
  if (lower === 'set-cookie') {
    const [first = '', ...attributes] = value.split(';');
    return [redactPair(first.trim()), ...attributes.map((a) => a.trim())].join('; ');
  }
  return REDACTED;
}

const redactPair = (pair: string) => {
  const eq = pair.indexOf('=');
  return eq === -1 ? REDACTED : `${pair.slice(0, eq)}=${REDACTED}`;
};

const formDecode = (s: string) => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
};

/** `a=1&password=…` (form bodies and query strings): secret fields' values, then keys and JWTs. */
export function redactForm(text: string): string {
  if (text === '') return text;
  const out = text
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq !== -1 && isSecretField(formDecode(part.slice(0, eq))) ? `${part.slice(0, eq)}=${REDACTED}` : part;
    })
    .join('&');
  return redactCredentials(out);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isDelimiter = (c: number) => c === 0x2c || c === 0x7d || c === 0x5d || c === 0x3a || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The index after the string starting at `i` (the text's end when unterminated). */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return text.length;
}

/** The index after the object or array starting at `i` (the text's end when unclosed). */
function containerEnd(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) j = stringEnd(text, j) - 1;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return j + 1;
  }
  return text.length;
}

const keyName = (token: string) => {
  try {
    return String(JSON.parse(token));
  } catch {
    return token.slice(1, token.endsWith('"') && token.length > 1 ? -1 : undefined);
  }
};

const HINT = /password|secret|token|key/i;

/** JSON text with the value of every secret field, at any depth, replaced by `"[REDACTED]"`; nothing else moves. */
export function redactJsonFields(text: string): string {
  if (!HINT.test(text)) return text;
  const stack: boolean[] = []; // true: an object
  let out = '';
  let copied = 0;
  let keyNext = false;
  let secretNext = false;
  const replace = (from: number, to: number) => {
    out += `${text.slice(copied, from)}"${REDACTED}"`;
    copied = to;
    secretNext = false;
  };
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (keyNext) {
        secretNext = isSecretField(keyName(text.slice(i, end)));
        keyNext = false;
      } else if (secretNext) replace(i, end);
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (secretNext) {
        const end = containerEnd(text, i);
        replace(i, end);
        i = end;
      } else {
        stack.push(c === 0x7b);
        keyNext = c === 0x7b;
        i++;
      }
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      keyNext = secretNext = false;
      i++;
    } else if (c === 0x2c) {
      keyNext = stack[stack.length - 1] === true;
      secretNext = false;
      i++;
    } else if (isDelimiter(c)) {
      i++;
    } else {
      // A number, a literal, or whatever a malformed body holds here: up to the next delimiter.
      let end = i + 1;
      while (end < text.length && !isDelimiter(text.charCodeAt(end)) && text.charCodeAt(end) !== QUOTE) end++;
      if (secretNext) replace(i, end);
      i = end;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

// A multipart part's header block, then its value up to the next boundary line.
const MULTIPART_FIELD = /(name="([^"]*)"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n)([\s\S]*?)(?=\r\n--)/g;

const mediaOf = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase();
const looksLikeJson = (text: string) => /^\s*[{[]/.test(text);

/** A text body as the journal shows it, by its media type (JSON also when it looks like JSON, whatever it says). */
export function redactBodyText(text: string, contentType: string): string {
  const media = mediaOf(contentType);
  if (media === 'application/x-www-form-urlencoded') return redactForm(text);
  if (media === 'multipart/form-data') {
    return redactCredentials(text.replace(MULTIPART_FIELD, (all, head: string, name: string) => (isSecretField(name) ? head + REDACTED : all)));
  }
  if (media === 'application/json' || media.endsWith('+json') || looksLikeJson(text)) return redactCredentials(redactJsonFields(text));
  return redactCredentials(text);
}
