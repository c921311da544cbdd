package io.parkgate.http;

import io.parkgate.metrics.LogLimit;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.parkgate.security.ConnectionBudget;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every HTTP connection and request meets before the router:
 * <ul>
 *   <li>the node's HTTP {@link ConnectionBudget}: a connection beyond it is closed in the server's
 *   connection handler, which Vert.x calls while it sets up the channel, before a byte is read, so
 *   no request of it is ever served; connections already held are never touched;</li>
 *   <li>the {@link StrictRequestDecoder} in place of Vert.x's own;</li>
 *   <li>a body deadline: a request that announces a body and has not sent all of it within
 *   {@code bodyTimeoutMs} of its head is answered 408 REQUEST_TIMEOUT (or, if it was answered
 *   already, just cut) and its connection closed. The idle timeout alone does not bound a body that
 *   trickles in a byte at a time;</li>
 *   <li>codec refusals (too long a URI or headers, malformed or ambiguous framing) answered with the
 *   documented JSON error body instead of Vert.x's empty one, then the connection closed.</li>
 * </ul>
 * One per ApiVerticle instance; the budget is shared by all instances of the node.
 */
final class ConnectionGuard {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
  /** Vert.x's name for the HTTP/1.x decoder in the channel pipeline. */
  static final String DECODER_NAME = "httpDecoder";

  private final Vertx vertx;
  private final ConnectionBudget budget;
  private final HttpServerOptions options;
  private final long bodyTimeoutMs;
  private final LogLimit unguarded = new LogLimit(ErrorHandler.ABANDONED_LOG_INTERVAL_MS, TimeUnit.MILLISECONDS);

  ConnectionGuard(Vertx vertx, ConnectionBudget budget, HttpServerOptions options, long bodyTimeoutMs) {
    this.vertx = vertx;
    this.budget = budget;
    this.options = options;
    this.bodyTimeoutMs = bodyTimeoutMs;
  }

  /** The server's connection handler. */
  void handleConnection(HttpConnection conn) {
    String source = conn.remoteAddress() == null ? "unknown" : String.valueOf(conn.remoteAddress().hostAddress());
    if (budget.acquire(source) != null) {
      conn.close();
      return;
    }
    conn.closeHandler(v -> budget.release(source));
    if (!installStrictDecoder(conn)) {
      // fail closed: without the strict decoder, ambiguous framing would be served
      long count = unguarded.permit();
      if (count > 0) {
        LOG.error("cannot install the strict HTTP decoder ({} connections refused); is this the Vert.x version "
            + "parkgate was built with?", count);
      }
      conn.close();
    }
  }

  private boolean installStrictDecoder(HttpConnection conn) {
    if (!(conn instanceof ConnectionBase base)) {
      return false;
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    ChannelHandler current = pipeline.get(DECODER_NAME);
    if (!(current instanceof HttpRequestDecoder)) {
      return false;
    }
    pipeline.replace(DECODER_NAME, DECODER_NAME, new StrictRequestDecoder(options));
    return true;
  }

  /** Arms the body deadline of a request that announces a body; call first in the request handler. */
  void watchBody(HttpServerRequest request) {
    if (request.isEnded() || !announcesBody(request)) {
      return;
    }
    long timer = vertx.setTimer(bodyTimeoutMs, id -> bodyTimedOut(request));
    request.end().onComplete(ar -> vertx.cancelTimer(timer));
  }

  private static boolean announcesBody(HttpServerRequest request) {
    if (request.headers().contains("transfer-encoding")) {
      return true;
    }
    String length = request.getHeader("content-length");
    return length != null && !length.equals("0");
  }

  private void bodyTimedOut(HttpServerRequest request) {
    if (request.isEnded()) {
      return;
    }
    if (request.response().headWritten() || request.response().closed()) {
      request.connection().close();
      return;
    }
    ErrorHandler.write(request.response(), new GatewayException(ErrorCode.REQUEST_TIMEOUT,
            "the request body was not complete within " + bodyTimeoutMs + " ms of its head"))
        .onComplete(ar -> request.connection().close());
  }

  /** The server's invalid-request handler: the decoder refused the head. Vert.x closes the connection after it. */
  static void handleInvalid(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    GatewayException error;
    if (cause instanceof StrictRequestDecoder.FramingException f) {
      error = new GatewayException(f.code(), f.getMessage());
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      error = new GatewayException(ErrorCode.URI_TOO_LONG, "the request line is longer than the server accepts");
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      error = new GatewayException(ErrorCode.HEADERS_TOO_LARGE, "the request headers are larger than the server accepts");
    } else {
      error = new GatewayException(ErrorCode.BAD_REQUEST, "malformed HTTP request");
    }
    ErrorHandler.write(request.response(), error).onComplete(ar -> request.connection().close());
  }
}
