package io.parkgate.http;

import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP answers: a {@link GatewayException} answers its own
 * status and code; a bare status (from vertx-web: 400, 404, 405, 413) maps to the matching code;
 * anything else is a bug, logged with its stack and answered 500 INTERNAL_ERROR.
 */
final class ErrorHandler implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorHandler.class);

  @Override
  public void handle(RoutingContext ctx) {
    GatewayException error = toGatewayException(ctx);
    if (error.code() == ErrorCode.INTERNAL_ERROR) {
      LOG.atError().setMessage("request failed").setCause(ctx.failure())
          .addKeyValue("requestId", ctx.get(ApiVerticle.REQUEST_ID))
          .addKeyValue("method", ctx.request().method().name()).addKeyValue("path", ctx.request().path()).log();
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    ctx.response()
        .setStatusCode(error.code().httpStatus())
        .putHeader("content-type", "application/json")
        .end(error.toJson().toBuffer());
  }

  static GatewayException toGatewayException(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof GatewayException g) {
      return g;
    }
    return switch (ctx.statusCode()) {
      case 400 -> new GatewayException(ErrorCode.BAD_REQUEST, "malformed request");
      case 404 -> new GatewayException(ErrorCode.NOT_FOUND, "no such resource");
      case 405 -> new GatewayException(ErrorCode.METHOD_NOT_ALLOWED, "method not allowed on this resource");
      case 413 -> new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE, "request body too large");
      default -> new GatewayException(ErrorCode.INTERNAL_ERROR, "internal error");
    };
  }
}
