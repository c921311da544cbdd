package io.parkgate.protocol;

/**
 * A JSON-RPC error object. The standard codes are constants here; parkgate's own codes live in the
 * implementation-defined server-error range -32000..-32099.
 */
public record RpcError(int code, String message, Object data) {

  public static final int PARSE_ERROR = -32700;
  public static final int INVALID_REQUEST = -32600;
  public static final int METHOD_NOT_FOUND = -32601;
  public static final int INVALID_PARAMS = -32602;
  public static final int INTERNAL_ERROR = -32603;
  /** The line was longer than the connection's limit. */
  public static final int LINE_TOO_LONG = -32001;
  /** The first message of a connection was not {@code hello}, or {@code hello} came twice. */
  public static final int HELLO_REQUIRED = -32002;
  /** No {@code hello} within the hello timeout. */
  public static final int HELLO_TIMEOUT = -32003;
  /** The server is closing the connection because no frame arrived within the idle timeout. */
  public static final int IDLE_TIMEOUT = -32004;
  /** A newer connection of the same park took over; this one is closed. */
  public static final int SUPERSEDED = -32005;
  /** The hello's token is not valid for its park, or the address made too many failed attempts. */
  public static final int UNAUTHORIZED = -32006;
  /** The node holds as many controller connections as it may, in total or from this address. */
  public static final int TOO_MANY_CONNECTIONS = -32007;
  /**
   * The park opened too many sessions in the flapping window and is banned for a while; the
   * error's data says {@code retryAfterMs}.
   */
  public static final int PARK_BANNED = -32008;
  /** Controller → server: a payment.notify past its validUntil, refused (nothing opened). */
  public static final int PAYMENT_EXPIRED = -32010;
  /**
   * Server → controller: more event.report requests unanswered on this connection than the hello's
   * {@code maxEventsInFlight}; this one was not stored: send it again after an answer arrives.
   */
  public static final int EVENTS_BUSY = -32011;
  /** Server → controller: the event could not be stored (the store is unreachable): send it again later. */
  public static final int NOT_STORED = -32012;

  public RpcError(int code, String message) {
    this(code, message, null);
  }
}
