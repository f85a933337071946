// Flask's request order as data: `@jwt_required(refresh=True)` runs before the view (the token, then its session);
// the view reads `request.get_json()`, then checks the credentials it was sent. Every route here awaits something.
import type { Context } from 'hono';
import type { Core, User } from '../../src/core/index.ts';
import { isJsonMediaType, mediaType } from '../../src/http/body.ts';
import { expiryDetails, noteUser } from '../../src/http/decisions.ts';
import { reqHeader } from '../../src/http/headers.ts';
import { deny, requestOf, stagesFor, type Endpoint as PipelineEndpoint, type ErrorTable, type Reply, type Stage, type StageOrder } from '../../src/http/pipeline.ts';
import { pyJsonLoadsTopLevel, PyRecursionError, type PyValue } from '../../src/http/python/json.ts';
import { isPyDict, pyTruthy } from '../../src/http/python/values.ts';
import type { Awaitable } from '../../src/http/settle.ts';
import { failure, PAGES } from './envelope.ts';
import { refusalReply, REVOKED_ERRORS } from './errors.ts';
import { tokenFromHeader, type Refusal, type Tokens } from './tokens.ts';

/** Attributes of the legacy SQLAlchemy `User` model: `User(**data)` raised TypeError on any other key. */
const USER_ATTRIBUTES = new Set([
  'user_id', 'username', 'password', 'email', 'phone', 'faceInfo', 'status', 'last_login', 'created_at', 'updated_at',
  'name', 'gender', 'department', 'work_years', 'contact_info',
]);
const EMPTY_CREDENTIALS = '用户名密码不能为空';

export interface Credentials {
  username: PyValue;
  password: string;
  data: Record<string, PyValue>;
}

export interface Input {
  c: Context;
  /** The JSON value `request.get_json()` returned. */
  json: PyValue;
  credentials: Credentials;
  /** The refresh token's user and claims. */
  user: User;
  claims: Record<string, PyValue>;
}

export interface Endpoint {
  method: 'POST';
  path: string;
  /** 'refresh': `@jwt_required(refresh=True)`. */
  jwt?: 'refresh';
  /** The view reads a JSON body of credentials. */
  credentials?: boolean;
  /** The view's answers to core errors raised by `handle`. */
  errors?: ErrorTable;
  handle(input: Input): Awaitable<Reply>;
}

/** `request.get_json()`: 415 for a non-JSON content type, 400 for a body CPython's json refuses. */
const getJson = (ep: Endpoint): Stage<Input> | undefined =>
  ep.credentials
    ? {
        name: 'get_json',
        async run(input) {
          const { c } = input;
          if (!isJsonMediaType(mediaType(c))) return PAGES.unsupportedMediaType();
          try {
            const parsed = await pyJsonLoadsTopLevel(new Uint8Array(await c.req.arrayBuffer()));
            if (!parsed.ok) return PAGES.badRequest();
            input.json = parsed.value;
            return undefined;
          } catch (e) {
            if (e instanceof PyRecursionError) return PAGES.internalError();
            throw e;
          }
        },
      }
    : undefined;

/**
 * The legacy view's first steps, in order: an empty value or empty username/password is a business failure;
 * a truthy non-object, a key the model does not have, or a non-string password crashed the legacy server (500).
 */
const credentials = (ep: Endpoint): Stage<Input> | undefined =>
  ep.credentials
    ? {
        name: 'credentials',
        run(input) {
          const data = input.json;
          if (!pyTruthy(data)) return failure(EMPTY_CREDENTIALS);
          if (!isPyDict(data)) return PAGES.internalError();
          if (!pyTruthy(data.username) || !pyTruthy(data.password)) return failure(EMPTY_CREDENTIALS);
          if (Object.keys(data).some((k) => !USER_ATTRIBUTES.has(k)) || typeof data.password !== 'string') return PAGES.internalError();
          input.credentials = { username: data.username!, password: data.password, data };
          if (typeof data.username === 'string') noteUser(requestOf(input.c), data.username);
          return undefined;
        },
      }
    : undefined;

/** A token refusal, answered as the library does and noted as the request's denial. */
function refused(core: Core, token: string | undefined, r: Refusal): Reply {
  const reply = refusalReply(r);
  if ('crash' in r) return deny(reply, 'token_invalid', { reason: 'malformed' });
  if (r.msg === 'Token has expired') return deny(reply, 'token_expired', token === undefined ? {} : expiryDetails(core.clock, token, r.exp));
  const reason = r.msg.startsWith('Missing') ? 'missing' : r.msg.startsWith('Only') ? 'token_type' : 'malformed';
  return deny(reply, 'token_invalid', { reason, message: r.msg });
}

/** The header's refresh token, decoded as 4.7.1 does, then its session (a disable, delete or password change ends it). */
const jwtRequired =
  (core: Core, tokens: Tokens) =>
  (ep: Endpoint): Stage<Input> | undefined =>
    ep.jwt && {
      name: 'jwt_required',
      errors: REVOKED_ERRORS,
      async run(input) {
        const header = tokenFromHeader(reqHeader(input.c, 'authorization'));
        if (!header.ok) return refused(core, undefined, header.refusal);
        const decoded = tokens.decode(header.token, true);
        if (!decoded.ok) return refused(core, header.token, decoded.refusal);
        const { sub, jti } = decoded.claims as { sub: string; jti?: string };
        input.user = await core.sessions.checkAccess({ userUuid: sub, sessionId: jti ?? '' });
        input.claims = decoded.claims;
        noteUser(requestOf(input.c), input.user.username);
        return undefined;
      },
    };

/** Flask's order (see the top of this file). */
export const order = (core: Core, tokens: Tokens): StageOrder<Endpoint, Input> => [jwtRequired(core, tokens), getJson, credentials];

export function endpointsOf(core: Core, tokens: Tokens, declared: Endpoint[]): PipelineEndpoint<Input>[] {
  const stages = order(core, tokens);
  return declared.map((ep) => ({ method: ep.method, path: ep.path, stages: stagesFor(stages, ep), handle: ep.handle, ...(ep.errors && { errors: ep.errors }) }));
}
