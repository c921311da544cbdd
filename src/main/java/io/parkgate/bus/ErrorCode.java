package io.parkgate.bus;

/**
 * Every error a caller of parkgate can see, with its HTTP status and the failure code used on the
 * event bus. The HTTP side maps these in exactly one place ({@code io.parkgate.http.ErrorHandler});
 * the controller side fails bus messages with {@link #busCode()}.
 */
public enum ErrorCode {
  /** Malformed input from the HTTP caller. */
  BAD_REQUEST(400, 4000),
  /** No API key, or one parkgate does not know. */
  UNAUTHORIZED(401, 4010),
  /** The API key lacks the scope this operation needs. */
  FORBIDDEN(403, 4030),
  /** Unknown resource (for example a park that is not connected, on the status endpoint). */
  NOT_FOUND(404, 4040),
  /** The resource exists but not with this HTTP method. */
  METHOD_NOT_ALLOWED(405, 4050),
  /** The request body did not arrive in full within {@code http.bodyTimeoutMs} of the request's head. */
  REQUEST_TIMEOUT(408, 4080),
  /** The paymentId was already used with a different amount or park. */
  PAYMENT_CONFLICT(409, 4090),
  /** The payment can no longer be cancelled: it was already written to a controller connection, or is final. */
  PAYMENT_NOT_CANCELLABLE(409, 4091),
  /** The payment was cancelled before it reached the gate (a retry of its POST). */
  PAYMENT_CANCELLED(409, 4092),
  /** A re-send of a webhook delivery that is not a dead letter (pending, delivered, or already re-sent). */
  DELIVERY_NOT_FAILED(409, 4093),
  /** The payment was not confirmed before its validUntil and will never be sent (a retry of its POST). */
  PAYMENT_EXPIRED(410, 4100),
  /** Request body over the configured limit. */
  PAYLOAD_TOO_LARGE(413, 4130),
  /** The request line (method, URI, version) is longer than the server accepts. */
  URI_TOO_LONG(414, 4140),
  /** The request's headers are larger than the server accepts. */
  HEADERS_TOO_LARGE(431, 4310),
  /** The payment store cannot be reached: nothing was recorded; fee queries are not affected. */
  STORE_UNAVAILABLE(503, 5034),
  /**
   * The payment store did not answer an accepting write in time: it may still land (and then be
   * delivered), or not. The payer reads the payment back or POSTs again with the same paymentId.
   */
  PAYMENT_OUTCOME_UNKNOWN(503, 5035),
  /** No controller is connected for the park, or its connection closed before it answered. */
  GATE_OFFLINE(503, 5031),
  /** The park's latest request timed out and the controller has not spoken since. */
  GATE_UNRESPONSIVE(503, 5032),
  /** Too many requests in flight for the park, or its socket cannot take more data. */
  GATE_BUSY(503, 5033),
  /** The controller did not answer within the request's timeout. */
  GATE_TIMEOUT(504, 5040),
  /** The controller answered with a JSON-RPC error, or with a malformed result. */
  GATE_ERROR(502, 5020),
  /**
   * The park's controller cannot perform this operation, or the request uses an HTTP feature parkgate
   * does not implement (a transfer coding other than {@code chunked}).
   */
  NOT_SUPPORTED(501, 5010),
  /**
   * Internal, between nodes: the addressed controller-verticle instance no longer holds the park's
   * session. The HTTP side re-reads the directory and retries; callers see GATE_OFFLINE at worst.
   */
  PARK_MOVED(503, 5039),
  /** A bug or an unexpected failure inside parkgate. */
  INTERNAL_ERROR(500, 5000);

  private final int httpStatus;
  private final int busCode;

  ErrorCode(int httpStatus, int busCode) {
    this.httpStatus = httpStatus;
    this.busCode = busCode;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The failure code carried by {@code Message.fail} / {@code ReplyException.failureCode()}. */
  public int busCode() {
    return busCode;
  }

  /** The error code for a bus failure code, or {@code null} when the code is not one of ours. */
  public static ErrorCode fromBusCode(int code) {
    for (ErrorCode c : values()) {
      if (c.busCode == code) {
        return c;
      }
    }
    return null;
  }
}
