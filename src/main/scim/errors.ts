/**
 * SCIM error type and RFC 7644 §3.12 error bodies.
 *
 * Every malformed SCIM input is reported by throwing a {@link ScimError}; the HTTP layer turns it
 * into a response with {@link ScimError.toBody}. Nothing in the SCIM modules throws anything else
 * for bad client input.
 */

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The `scimType` values defined by RFC 7644 §3.12 (Table 9). */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export const SCIM_TYPES: readonly ScimType[] = [
  'invalidFilter',
  'tooMany',
  'uniqueness',
  'mutability',
  'invalidSyntax',
  'invalidPath',
  'noTarget',
  'invalidValue',
  'invalidVers',
  'sensitive',
];

/** JSON body of a SCIM error response. `status` is a string, as RFC 7644 §3.12 shows it. */
export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

export class ScimError extends Error {
  override readonly name = 'ScimError';

  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    detail: string,
  ) {
    super(detail);
  }

  /** Human-readable detail (same as `message`). */
  get detail(): string {
    return this.message;
  }

  toBody(): ScimErrorBody {
    const body: ScimErrorBody = {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(this.status),
      detail: this.message,
    };
    if (this.scimType !== undefined) body.scimType = this.scimType;
    return body;
  }
}

export function isScimError(error: unknown): error is ScimError {
  return error instanceof ScimError;
}

/** 400 with a scimType (RFC 7644 §3.12: scimType is only meaningful with 400, or 409 uniqueness). */
export function badRequest(scimType: ScimType, detail: string): ScimError {
  return new ScimError(400, scimType, detail);
}

/** 400 without a scimType (malformed body that no scimType describes, e.g. unparseable JSON). */
export function badRequestPlain(detail: string): ScimError {
  return new ScimError(400, undefined, detail);
}

export function unauthorized(detail = 'Authorization failure'): ScimError {
  return new ScimError(401, undefined, detail);
}

export function forbidden(detail = 'Operation not permitted'): ScimError {
  return new ScimError(403, undefined, detail);
}

export function notFound(detail: string): ScimError {
  return new ScimError(404, undefined, detail);
}

/** 409 Conflict; RFC 7644 pairs it with scimType `uniqueness`. */
export function conflict(detail: string): ScimError {
  return new ScimError(409, 'uniqueness', detail);
}

export function preconditionFailed(detail: string): ScimError {
  return new ScimError(412, undefined, detail);
}

export function payloadTooLarge(detail: string): ScimError {
  return new ScimError(413, undefined, detail);
}

export function internalError(detail = 'Internal server error'): ScimError {
  return new ScimError(500, undefined, detail);
}

export function notImplemented(detail: string): ScimError {
  return new ScimError(501, undefined, detail);
}
