package io.parkgate.protocol;

/**
 * A frame that breaks the protocol. It carries the JSON-RPC error to send back and the id of the
 * offending request when one could be read.
 */
public final class ProtocolException extends Exception {

  private final RpcError error;
  private final Object id;

  public ProtocolException(int code, String message, Object id) {
    super(message, null, false, false);
    this.error = new RpcError(code, message);
    this.id = id;
  }

  public RpcError error() {
    return error;
  }

  public Object id() {
    return id;
  }
}
