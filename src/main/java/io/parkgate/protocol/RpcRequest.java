package io.parkgate.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A JSON-RPC request; with a {@code null} id it is a notification and gets no answer.
 *
 * @param id     {@code Long}, {@code String} or {@code null}
 * @param method the method name, never null
 * @param params the named parameters, never null (an absent {@code params} reads as empty)
 */
public record RpcRequest(Object id, String method, JsonObject params) implements RpcMessage {

  public RpcRequest {
    params = params == null ? new JsonObject() : params;
  }

  public boolean isNotification() {
    return id == null;
  }
}
