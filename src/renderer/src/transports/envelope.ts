/** Small helpers shared by the transports. Pure. */
import { apiErrorSchema, errorCodeSchema, type ApiErrorBody, type Envelope, type ErrorCode } from '../../../shared/contract';

export function errorEnvelope(code: ErrorCode, message: string, issues?: ApiErrorBody['issues']): Envelope<never> {
  return {
    ok: false,
    error: issues ? { code, message, issues } : { code, message },
  };
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return errorCodeSchema.safeParse(value).success;
}

/**
 * Checks the outer shape of an envelope (`{ok:true,value}` or `{ok:false,error}` with an error the
 * contract knows). The value itself is validated by the typed client against the call's schema.
 */
export function asEnvelope(body: unknown): Envelope | null {
  if (!body || typeof body !== 'object' || !('ok' in body)) return null;
  if (body.ok === true) return 'value' in body ? { ok: true, value: body.value } : null;
  if (body.ok === false && 'error' in body) {
    const parsed = apiErrorSchema.safeParse(body.error);
    return parsed.success ? { ok: false, error: parsed.data } : null;
  }
  return null;
}
