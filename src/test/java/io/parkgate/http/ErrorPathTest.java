package io.parkgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.parkgate.testing.LogCapture;
import io.parkgate.testing.OneNode;
import io.parkgate.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The error path: abandoned requests cost (almost) no log lines, a real bug costs exactly one. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ErrorPathTest {

  @RegisterExtension
  static final OneNode NODE = OneNode.withDefaults();

  @Test
  void aFloodOfAbandonedRequestsLogsABoundedNumberOfLines() throws Exception {
    int requests = 500;
    try (LogCapture log = LogCapture.of(ErrorHandler.class, Level.DEBUG)) {
      // GIVEN the error handler's logger at DEBUG, and every logger recorded
      long start = System.nanoTime();
      // WHEN 500 clients each send half a payment body and close before any answer
      for (int i = 0; i < requests; i++) {
        try (Socket socket = new Socket("127.0.0.1", NODE.node().httpPort())) {
          socket.getOutputStream().write(("POST /api/v1/parks/p1/payments HTTP/1.1\r\nHost: x\r\n"
              + "content-type: application/json\r\ncontent-length: 100\r\n\r\n{\"paymentId\":")
              .getBytes(StandardCharsets.US_ASCII));
        }
      }
      // THEN once the node has seen them all, at most one summary line per handler and interval was written
      assertThat(TestNodes.poll(Duration.ofSeconds(20), () -> openHttpConnections() == 0))
          .as("the node closed the abandoned connections").isTrue();
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;
      long bound = (long) TestNodes.config("x").build().httpInstances()
          * (1 + elapsedMs / ErrorHandler.ABANDONED_LOG_INTERVAL_MS);
      List<ILoggingEvent> lines = log.events();
      assertThat(lines).as("every line logged during the flood").hasSizeLessThanOrEqualTo((int) bound);
      assertThat(lines).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
      assertThat(lines).as("the error handler saw them").anyMatch(e -> e.getFormattedMessage().contains("abandoned"));
    }
  }

  /** The node's count of HTTP connections, from its own metrics (the scrape's own one excluded). */
  private static long openHttpConnections() {
    try (Socket socket = new Socket("127.0.0.1", NODE.node().httpPort())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      return readAll(socket.getInputStream()).lines()
          .filter(l -> l.startsWith("vertx_http_server_active_connections"))
          .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum() - 1;
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  @Test
  void anUnexpectedExceptionInARouteIsLoggedOnceWithItsStackAndAnswered500(Vertx vertx) throws Exception {
    // GIVEN a router with the production error handler and a route with a bug
    Router router = Router.router(vertx);
    ErrorHandler errors = new ErrorHandler();
    router.get("/bug").handler(ctx -> {
      ctx.put(ApiVerticle.REQUEST_ID, "req-bug-1");
      throw new IllegalStateException("a bug in a route");
    });
    router.route().failureHandler(errors);
    router.errorHandler(500, errors);
    HttpServer server = TestNodes.await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    try (LogCapture log = LogCapture.of(ErrorHandler.class, Level.INFO);
         Socket socket = new Socket("127.0.0.1", server.actualPort())) {
      socket.setSoTimeout(10_000);
      // WHEN the route is called
      OutputStream out = socket.getOutputStream();
      out.write("GET /bug HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String answer = readAll(socket.getInputStream());
      // THEN the caller gets the documented JSON 500
      assertThat(answer).startsWith("HTTP/1.1 500").containsIgnoringCase("content-type: application/json");
      JsonObject body = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4));
      assertThat(body.getString("error")).isEqualTo("INTERNAL_ERROR");
      assertThat(body.getString("message")).isNotBlank();
      // AND exactly one ERROR line, with the stack trace and the request id, was logged
      List<ILoggingEvent> errorsLogged = log.events().stream().filter(e -> e.getLevel() == Level.ERROR).toList();
      assertThat(errorsLogged).hasSize(1);
      ILoggingEvent line = errorsLogged.get(0);
      assertThat(line.getLoggerName()).isEqualTo(ErrorHandler.class.getName());
      assertThat(line.getThrowableProxy()).isNotNull();
      assertThat(line.getThrowableProxy().getMessage()).isEqualTo("a bug in a route");
      assertThat(line.getThrowableProxy().getStackTraceElementProxyArray()).isNotEmpty();
      assertThat(line.getKeyValuePairs()).anyMatch(kv -> kv.key.equals("requestId") && "req-bug-1".equals(kv.value));
    } finally {
      TestNodes.await(server.close());
    }
  }

  static String readAll(InputStream in) throws java.io.IOException {
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }
}
