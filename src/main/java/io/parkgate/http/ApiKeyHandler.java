package io.parkgate.http;

import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.parkgate.security.ApiKeys;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Requires {@code Authorization: Bearer <key>} with a given scope: 401 UNAUTHORIZED without a
 * known key (with a {@code WWW-Authenticate} challenge), 403 FORBIDDEN without the scope (a null
 * scope: any known key will do). With no
 * keys configured (only allowed when explicitly insecure) every request passes.
 */
final class ApiKeyHandler implements Handler<RoutingContext> {

  private static final String PREFIX = "Bearer ";
  /** The routing-context key of the {@link ApiKeys.Key} that was presented. */
  static final String KEY = "apiKeyRecord";

  private final ApiKeys keys;
  private final io.parkgate.metrics.GatewayMetrics metrics;
  private final String scope;

  ApiKeyHandler(ApiKeys keys, io.parkgate.metrics.GatewayMetrics metrics, String scope) {
    this.keys = keys;
    this.metrics = metrics;
    this.scope = scope;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (keys.isEmpty()) {
      ctx.next();
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    ApiKeys.Key key = header != null && header.startsWith(PREFIX) ? keys.lookup(header.substring(PREFIX.length()).trim()) : null;
    if (key == null) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"parkgate\"");
      ctx.fail(new GatewayException(ErrorCode.UNAUTHORIZED, "a valid API key is required (Authorization: Bearer <key>)"));
    } else if (scope != null && !key.scopes().contains(scope)) {
      ctx.fail(new GatewayException(ErrorCode.FORBIDDEN, "the API key '" + key.name() + "' lacks the scope " + scope));
    } else {
      ctx.put("apiKey", key.name());
      // per key name (a small set the operator configures), so a key rotation shows who still uses the old one
      metrics.apiKeyUsed(key.name());
      ctx.put(KEY, key);
      ctx.next();
    }
  }
}
