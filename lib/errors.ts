// One error class for everything a service can refuse. Services throw it; the HTTP layer turns
// it into either surface's error shape through the status table below.

export const errorStatus = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** A deployment asked for a host port that is already taken (seed 002). */
  PORT_IN_USE: 400,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class KilnError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;
  /** A finer, machine-readable reason within the code, such as "model_not_configured". */
  readonly reason: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      details?: Record<string, unknown>;
      headers?: Record<string, string>;
      reason?: string;
    } = {},
  ) {
    super(message);
    this.name = "KilnError";
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
    this.reason = options.reason;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export function notFound(what: string): KilnError {
  return new KilnError("NOT_FOUND", `${what} not found`);
}
