// Errors are data: a kind and details. Each dialect maps kinds to its own status and message.
export type ErrorKind =
  | 'invalid_credentials'
  | 'user_disabled'
  | 'account_locked'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'validation'
  | 'token_expired'
  | 'token_invalid'
  | 'token_revoked'
  | 'token_reused'
  | 'api_key_invalid'
  | 'api_key_disabled'
  | 'api_key_expired';

export class CoreError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly details: Record<string, unknown> = {},
  ) {
    super(kind);
    this.name = 'CoreError';
  }
}

export const isCoreError = (e: unknown, kind?: ErrorKind): e is CoreError =>
  e instanceof CoreError && (kind === undefined || e.kind === kind);
