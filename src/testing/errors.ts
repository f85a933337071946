// What the admin client throws: the plane's error answer, or no answer at all.
import type { AdminErrorCode } from './types.ts';

/**
 * The admin plane answered `{"error":{"code","message"}}` (control-plane.md §2). An error answer without that shape
 * (a proxy's 502 page) gets the code `http_<status>` and its text as the message.
 */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: AdminErrorCode | `http_${number}`,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

/** No answer: connection refused, DNS, a reset, or none within the client's `timeoutMs`. */
export class AdminUnreachableError extends Error {
  constructor(
    /** The admin plane's base URL. */
    readonly url: string,
    /** `ECONNREFUSED`, `no answer within 30000 ms`, … */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach the admin plane at ${url}: ${reason}`, options);
    this.name = 'AdminUnreachableError';
  }
}
