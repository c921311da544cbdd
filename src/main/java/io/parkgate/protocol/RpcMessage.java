package io.parkgate.protocol;

/**
 * One JSON-RPC 2.0 message as it travels on a controller connection: a {@link RpcRequest}
 * (a notification when it has no id) or a {@link RpcResponse}.
 */
public sealed interface RpcMessage permits RpcRequest, RpcResponse {

  /** The message id: a {@code Long} or a {@code String}; {@code null} for notifications. */
  Object id();
}
