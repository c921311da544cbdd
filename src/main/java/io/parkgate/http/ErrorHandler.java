package io.parkgate.http;

import io.parkgate.metrics.LogLimit;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP answers: a {@link GatewayException} answers its own
 * status and code; a bare status (from vertx-web: 400, 404, 405, 413) maps to the matching code;
 * anything else is a bug, logged once with its stack and answered 500 INTERNAL_ERROR. A request
 * whose client went away (connection closed or reset before the answer) is not a bug: nothing is
 * answered and at most one DEBUG line per {@link #ABANDONED_LOG_INTERVAL_MS} says how many there
 * were, since any client can cause them at will. Nothing thrown here escapes.
 */
final class ErrorHandler implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorHandler.class);

  /** Requests abandoned by their clients are summed up in at most one line per this interval. */
  static final long ABANDONED_LOG_INTERVAL_MS = 10_000;

  private final LogLimit abandoned = new LogLimit(ABANDONED_LOG_INTERVAL_MS, TimeUnit.MILLISECONDS);
  /** A failure inside this handler is a bug too, but must not become a flood either. */
  private final LogLimit ownFailures = new LogLimit(ABANDONED_LOG_INTERVAL_MS, TimeUnit.MILLISECONDS);

  @Override
  public void handle(RoutingContext ctx) {
    try {
      answer(ctx);
    } catch (RuntimeException e) {
      long count = ownFailures.permit();
      if (count > 0) {
        LOG.atError().setMessage("the error handler failed ({} times since the last report)").addArgument(count)
            .setCause(e).log();
      }
      closeQuietly(ctx.response());
    }
  }

  private void answer(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (response.closed() || response.ended() || ctx.failure() instanceof HttpClosedException) {
      long count = abandoned.permit();
      if (count > 0 && LOG.isDebugEnabled()) {
        LOG.atDebug().setMessage("{} requests abandoned by their clients before the answer (the latest: {})")
            .addArgument(count).addArgument(ctx.failure() == null ? ctx.statusCode() : ctx.failure().toString())
            .log();
      }
      return;
    }
    GatewayException error = toGatewayException(ctx);
    if (error.code() == ErrorCode.INTERNAL_ERROR) {
      LOG.atError().setMessage("request failed").setCause(ctx.failure())
          .addKeyValue("requestId", String.valueOf(ctx.<Object>get(ApiVerticle.REQUEST_ID)))
          .addKeyValue("method", ctx.request().method().name()).addKeyValue("path", ctx.request().path()).log();
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    write(response, error);
  }

  /** Writes the documented JSON error body with the code's status. */
  static Future<Void> write(HttpServerResponse response, GatewayException error) {
    return response
        .setStatusCode(error.code().httpStatus())
        .putHeader("content-type", "application/json")
        .end(error.toJson().toBuffer());
  }

  private static void closeQuietly(HttpServerResponse response) {
    try {
      if (!response.closed()) {
        response.reset();
      }
    } catch (RuntimeException ignored) {
      // already gone: nothing more to do
    }
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
