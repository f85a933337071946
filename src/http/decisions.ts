// Why a request was refused, as the core saw it (control-plane.md §4, "Explain"): the pipeline notes every core
// denial and every token failure here, even one a dialect answers with 200 (flask's 登录失败); the journal takes the
// note when the response is complete. Keyed by the Request the listener received, so nothing is threaded through.

/** A denial: the core error kind (`account_locked`, `token_expired`, `forbidden`, …) and its typed details. */
export interface Denial {
  kind: string;
  details: Record<string, unknown>;
}

const notes = new WeakMap<Request, Denial>();

/** Records the first denial of a request (the real reason; later ones follow from it). */
export function noteDenial(request: Request, kind: string, details: Record<string, unknown> = {}): void {
  if (!notes.has(request)) notes.set(request, { kind, details });
}

/** The denial recorded for a request, if any. */
export const denialOf = (request: Request): Denial | undefined => notes.get(request);
