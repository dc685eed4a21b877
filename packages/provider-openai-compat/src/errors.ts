/**
 * The provider's error codes and the classification of failures into `error` events: which are
 * retryable (rate limits, 5xx, network, timeouts) and what the user should do about each.
 */
import { errorMessage, type ProviderEvent } from "@dispatch/kernel";

/** Every code this provider puts on an `error` event, sorted. */
export type ProviderErrorCode =
  | "AUTH_FAILED"
  | "BAD_REQUEST"
  | "FORBIDDEN"
  | "HTTP_ERROR"
  | "MISSING_CREDENTIALS"
  | "NETWORK_ERROR"
  | "NOT_FOUND"
  | "PROVIDER_ERROR"
  | "RATE_LIMITED"
  | "SERVER_ERROR"
  | "STREAM_ERROR"
  | "TIMEOUT";

/** A provider `error` event. */
export type ProviderErrorEvent = Extract<ProviderEvent, { type: "error" }>;

function failure(code: ProviderErrorCode, message: string, retryable: boolean): ProviderErrorEvent {
  return { type: "error", code, message, retryable };
}

/** The credential is not configured. */
export function missingCredentials(providerId: string, credential: string): ProviderErrorEvent {
  return failure(
    "MISSING_CREDENTIALS",
    `provider "${providerId}" has no credential "${credential}": set DISPATCH_BASE_URL (and DISPATCH_API_KEY if the endpoint needs a key) and restart`,
    false,
  );
}

/** No response byte (or no further byte) within the timeout. */
export function timedOut(kind: "first-byte" | "idle", ms: number): ProviderErrorEvent {
  const what = kind === "first-byte" ? "did not start answering" : "stopped sending";
  return failure(
    "TIMEOUT",
    `the provider ${what} within ${Math.round(ms / 1000)} s; the request was cancelled`,
    true,
  );
}

/** The stream broke off or the server reported an error in it (retryable). */
export function streamFailure(message: string): ProviderErrorEvent {
  return failure("STREAM_ERROR", message, true);
}

/** The request failed before a response: the server is unreachable (retryable). */
export function networkFailure(url: string, error: unknown): ProviderErrorEvent {
  return failure("NETWORK_ERROR", `could not reach the provider at ${url}: ${errorMessage(error)}`, true);
}

/** Anything else that went wrong in the call (not retryable). */
export function unexpectedFailure(error: unknown): ProviderErrorEvent {
  return failure("PROVIDER_ERROR", `the provider call failed: ${errorMessage(error)}`, false);
}

/** The provider's own message in an error response body: `error.message` of a JSON body, else the text. */
export function errorDetail(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = (parsed as { error?: unknown } | null)?.error;
    const message = typeof error === "string" ? error : (error as { message?: unknown } | undefined)?.message;
    if (typeof message === "string" && message !== "") return message.slice(0, 500);
  } catch {
    // Not JSON: the text itself.
  }
  return body.trim().slice(0, 500);
}

/** Classifies an HTTP error status; `detail` is the provider's own message. */
export function classifyStatus(status: number, detail: string): ProviderErrorEvent {
  const said = detail ? ` (provider said: ${detail})` : "";
  if (status === 429) return failure("RATE_LIMITED", `the provider is rate limiting (HTTP 429)${said}`, true);
  if (status === 408) return failure("TIMEOUT", `the provider timed out (HTTP 408)${said}`, true);
  if (status >= 500) return failure("SERVER_ERROR", `the provider failed (HTTP ${status})${said}`, true);
  if (status === 401) {
    return failure("AUTH_FAILED", `the provider rejected the API key: check DISPATCH_API_KEY${said}`, false);
  }
  if (status === 403) {
    return failure(
      "FORBIDDEN",
      `the provider refused access (HTTP 403): check the key's permissions${said}`,
      false,
    );
  }
  if (status === 404) {
    return failure(
      "NOT_FOUND",
      `the provider has no such model or route (HTTP 404): check the model name (GET /models) and DISPATCH_BASE_URL${said}`,
      false,
    );
  }
  if (status === 400 || status === 422) {
    return failure("BAD_REQUEST", `the provider rejected the request (HTTP ${status})${said}`, false);
  }
  return failure("HTTP_ERROR", `the provider answered HTTP ${status}${said}`, false);
}

/** Replaces every occurrence of `secret` (when set) with `[redacted]`. */
export function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join("[redacted]") : text;
}
