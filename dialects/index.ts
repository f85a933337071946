import type { DialectName } from '../src/config.ts';
import type { Dialect } from '../src/http/dialect.ts';
import { fastapi } from './fastapi/index.ts';
import { flask } from './flask/index.ts';
import { v1auth } from './v1auth/index.ts';
import { openapiDialect } from './openapi/index.ts';

/** Every finished dialect, by name. */
export const dialects: Record<DialectName, Dialect> = { fastapi, flask, v1auth, openapi: openapiDialect };
