package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.testing.Http;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Session deadlines (hello, idle) on a node with a short heartbeat so they elapse quickly. Every
 * timing is asserted against the deadline the node was started with, never in absolute
 * milliseconds: a deadline fires no earlier than configured, and within {@link #LATE} times it (the
 * first connection of a cold JVM on a loaded 2-core machine has been seen at 3.3 times).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionDeadlinesTest {

  /** How many times its deadline a close may take, at most, on a busy machine. */
  private static final int LATE = 5;

  private static ParkgateConfig config;
  private static ParkgateNode node;
  private static Http http;

  @BeforeAll
  static void startNode() {
    config = TestNodes.config(TestNodes.newClusterName())
        .heartbeatIntervalMs(300)
        .helloTimeoutMs(800)
        .build();
    node = TestNodes.start(config);
    http = new Http(node.httpPort());
  }

  @AfterAll
  static void stopNode() {
    TestNodes.close(node);
  }

  private static long msSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  private static int errorCode(JsonObject line) {
    return line.getJsonObject("error").getInteger("code");
  }

  @Test
  void closesAConnectionThatNeverSaysHello() throws Exception {
    // GIVEN a connection that says nothing
    long start = System.nanoTime();
    try (TestController gate = TestController.connect(node.controllerPort())) {
      // THEN at the hello deadline it is told why (-32003) and closed
      assertThat(errorCode(gate.read())).isEqualTo(-32003);
      assertThat(gate.awaitClosed(Duration.ofMillis(config.helloTimeoutMs()))).isTrue();
      // AND not before the deadline
      assertThat(msSince(start)).isBetween(config.helloTimeoutMs(), LATE * config.helloTimeoutMs());
    }
  }

  @Test
  void pingsDoNotExtendTheHelloDeadline(Vertx vertx, VertxTestContext ctx) {
    // GIVEN a connection that, instead of saying hello, keeps pinging: a ping request written a
    // byte at a time, one every eighth of the hello timeout, so bytes arrive all through the hello
    // window and until after the latest close this test accepts. (A whole ping before hello is refused at once with -32002:
    // GatewayEndToEndTest.refusesABadHelloOrAFirstMessageOtherThanHello.)
    long helloMs = config.helloTimeoutMs();
    byte[] ping = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{}}".getBytes(StandardCharsets.UTF_8);
    AtomicInteger piecesSent = new AtomicInteger();
    AtomicLong start = new AtomicLong();
    Checkpoint toldWhy = ctx.checkpoint();
    Checkpoint closedAtTheDeadline = ctx.checkpoint();
    // the clock starts before connecting: the node's deadline starts at its accept, which is later
    start.set(System.nanoTime());
    vertx.createNetClient().connect(node.controllerPort(), "127.0.0.1").onComplete(ctx.succeeding(socket -> {
      long pinger = vertx.setPeriodic(helloMs / 8, t -> {
        int i = piecesSent.getAndIncrement();
        if (i < ping.length) {
          socket.write(Buffer.buffer(new byte[] {ping[i]}));
        }
      });
      long stillOpen = vertx.setTimer(LATE * helloMs, t -> ctx.failNow(new AssertionError(
          "still open after " + LATE + " hello timeouts, " + piecesSent.get() + " ping pieces sent")));
      // THEN the node answers -32003 (no hello in time), not a pong and not -32002 ...
      socket.handler(RecordParser.newDelimited("\n", line -> ctx.verify(() -> {
        assertThat(errorCode(line.toJsonObject())).as("the node's last words: %s", line).isEqualTo(-32003);
        toldWhy.flag();
      })));
      // ... and closes the connection at the deadline counted from connect, while pieces kept
      // arriving (with the deadline restarted by traffic it would stay open as long as they do)
      socket.closeHandler(v -> ctx.verify(() -> {
        vertx.cancelTimer(pinger);
        vertx.cancelTimer(stillOpen);
        long openMs = msSince(start.get());
        assertThat(openMs).as("connection open for").isBetween(helloMs, LATE * helloMs);
        assertThat(piecesSent.get()).as("ping pieces written during the hello window").isGreaterThanOrEqualTo(6);
        closedAtTheDeadline.flag();
      }));
    }));
  }

  @Test
  void aResponseBeforeHelloIsRefusedAtOnce() throws Exception {
    try (TestController gate = TestController.connect(node.controllerPort())) {
      // WHEN the first frame on a connection is a response, not the request hello
      long start = System.nanoTime();
      gate.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
      // THEN it is refused (-32002) and closed at once, not at the hello deadline
      assertThat(errorCode(gate.read())).isEqualTo(-32002);
      assertThat(gate.awaitClosed(Duration.ofMillis(config.helloTimeoutMs()))).isTrue();
      assertThat(msSince(start)).as("refused after").isLessThan(config.helloTimeoutMs() / 2);
    }
  }

  @Test
  void idleTimeoutTakesASilentControllerOffline() throws Exception {
    // GIVEN an online controller
    // the clock starts before the hello: the node's idle clock starts when it answers it, later
    long start = System.nanoTime();
    try (TestController gate = TestController.online(node.controllerPort(), "c-idle")) {
      assertThat(http.get("/api/v1/parks/c-idle").status()).isEqualTo(200);
      // WHEN it says nothing more
      // THEN the node tells it why (-32004) and closes it, no earlier than the idle timeout
      JsonObject lastWords = gate.read();
      assertThat(errorCode(lastWords)).isEqualTo(-32004);
      assertThat(gate.awaitClosed(Duration.ofMillis(config.idleTimeoutMs()))).isTrue();
      assertThat(msSince(start)).isBetween(config.idleTimeoutMs(), LATE * config.idleTimeoutMs());
      // AND the park leaves the directory and is offline
      assertThat(TestNodes.poll(Duration.ofSeconds(3), () -> http.get("/api/v1/parks/c-idle").status() == 404)).isTrue();
      assertThat(http.get("/api/v1/parks/c-idle/fee").error()).isEqualTo("GATE_OFFLINE");
    }
  }

  @Test
  void heartbeatsKeepAControllerOnline() throws Exception {
    // GIVEN an online controller
    try (TestController gate = TestController.online(node.controllerPort(), "c-beat")) {
      // WHEN it pings once per heartbeat interval for two idle timeouts
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.idleTimeoutMs() * 2);
      while (System.nanoTime() < until) {
        JsonObject pong = gate.request("ping", new JsonObject());
        assertThat(pong.getJsonObject("result")).as("answer to a heartbeat: %s", pong).isNotNull();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(config.heartbeatIntervalMs()));
      }
      // THEN it is still online
      assertThat(http.get("/api/v1/parks/c-beat").json().getBoolean("online")).isTrue();
    }
  }

}
