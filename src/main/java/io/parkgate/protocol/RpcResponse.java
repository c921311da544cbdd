package io.parkgate.protocol;

/**
 * A JSON-RPC response: exactly one of {@code result} and {@code error} is set.
 *
 * @param id     the id of the request it answers ({@code Long} or {@code String}); null only for an
 *               error about a message whose id could not be read
 * @param result any JSON value (a {@code JsonObject} for every parkgate method), or null on error
 * @param error  the error, or null on success
 */
public record RpcResponse(Object id, Object result, RpcError error) implements RpcMessage {

  public static RpcResponse success(Object id, Object result) {
    return new RpcResponse(id, result, null);
  }

  public static RpcResponse failure(Object id, RpcError error) {
    return new RpcResponse(id, null, error);
  }

  public boolean isError() {
    return error != null;
  }
}
