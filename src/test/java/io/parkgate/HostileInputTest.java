package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.testing.Http;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hostile controllers and callers get a clear error and a closed connection, never a crash or a leak. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HostileInputTest {

  private static ParkgateConfig config;
  private static ParkgateNode node;
  private static Http http;

  @BeforeAll
  static void startNode() {
    config = TestNodes.config(TestNodes.newClusterName()).maxLineBytes(1024).helloTimeoutMs(1_500).build();
    node = TestNodes.start(config);
    http = new Http(node.httpPort());
  }

  @AfterAll
  static void stopNode() {
    TestNodes.close(node);
  }

  private static int errorCode(JsonObject line) {
    return line.getJsonObject("error").getInteger("code");
  }

  @Test
  void aConnectionThatNeverSendsANewlineIsCutOffAtTheLineLimit() throws Exception {
    try (TestController gate = TestController.online(node.controllerPort(), "h-dribble")) {
      byte[] chunk = new byte[256];
      Arrays.fill(chunk, (byte) 'x');
      boolean cut = false;
      // keep writing without a newline: the server must refuse long before a megabyte
      for (int i = 0; i < 4096 && !cut; i++) {
        try {
          gate.sendRaw(chunk);
        } catch (IOException e) {
          cut = true;
        }
      }
      JsonObject error = gate.read();
      assertThat(errorCode(error)).isEqualTo(-32001);
      assertThat(gate.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }
  }

  @Test
  void wrongTypesAndMissingFieldsGetAnErrorAndAClose() throws Exception {
    String[] bad = {
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hello\",\"params\":{\"parkId\":123,\"token\":\"t\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hello\",\"params\":[\"p\",\"t\"]}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hello\"}",
        "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"hello\",\"params\":{}}",
        "{\"jsonrpc\":\"2.0\",\"id\":{\"x\":1},\"method\":\"hello\",\"params\":{}}",
        "[1,2,3]",
    };
    for (String line : bad) {
      try (TestController gate = TestController.connect(node.controllerPort())) {
        gate.send(line);
        assertThat(errorCode(gate.read())).as(line).isIn(-32700, -32600, -32602);
        assertThat(gate.awaitClosed(Duration.ofSeconds(3))).as(line).isTrue();
      }
    }
  }

  @Test
  void parkIdsWithOddCharactersAreRefusedOnBothSides() throws Exception {
    for (String id : List.of("../etc", "a b", "停车场", "-leading-dash", "x".repeat(65), "")) {
      try (TestController gate = TestController.connect(node.controllerPort())) {
        JsonObject answer = gate.request("hello", new JsonObject().put("parkId", id).put("token", "t"));
        assertThat(errorCode(answer)).as(id).isEqualTo(-32602);
      }
    }
    assertThat(http.get("/api/v1/parks/a%20b/fee").status()).isEqualTo(400);
    assertThat(http.get("/api/v1/parks/%E5%81%9C%E8%BD%A6/fee").status()).isEqualTo(400);
    assertThat(http.get("/api/v1/parks/" + "x".repeat(65) + "/fee").status()).isEqualTo(400);
    assertThat(http.get("/api/v1/parks/..%2Fetc/fee").status()).isIn(400, 404);
  }

  @Test
  void aWrongTokenIsRefusedAndATokenForOneParkNeverOpensAnother() throws Exception {
    String tokenForA = new io.parkgate.security.ParkTokens(TestNodes.TOKEN_SECRET, null).sign("h-park-a");
    try (TestController gate = TestController.connect(node.controllerPort())) {
      JsonObject answer = gate.request("hello", new JsonObject().put("parkId", "h-park-b").put("token", tokenForA));
      assertThat(errorCode(answer)).isEqualTo(-32006);
      assertThat(gate.awaitClosed(Duration.ofSeconds(3))).isTrue();
    }
    assertThat(http.get("/api/v1/parks/h-park-b").status()).isEqualTo(404);
  }

  @Test
  void reusedIdsPingFloodsAndStrayResponsesDoNotHurtTheSession() throws Exception {
    try (TestController gate = TestController.online(node.controllerPort(), "h-flood")) {
      // the same id twice is answered twice
      JsonObject ping = new JsonObject().put("jsonrpc", "2.0").put("id", 7).put("method", "ping");
      gate.send(ping);
      gate.send(ping);
      assertThat(gate.read().getValue("id")).isEqualTo(7);
      assertThat(gate.read().getValue("id")).isEqualTo(7);
      // answers to ids the server never used are dropped
      gate.send("{\"jsonrpc\":\"2.0\",\"id\":999999,\"result\":{\"amount\":1,\"currency\":\"CNY\"}}");
      gate.send("{\"jsonrpc\":\"2.0\",\"id\":\"nope\",\"error\":{\"code\":1,\"message\":\"x\"}}");
      // 20,000 pings in one burst, written while we read the answers
      int pings = 20_000;
      StringBuilder burst = new StringBuilder();
      for (int i = 0; i < pings; i++) {
        burst.append("{\"jsonrpc\":\"2.0\",\"id\":").append(i).append(",\"method\":\"ping\"}\n");
      }
      byte[] bytes = burst.toString().getBytes(StandardCharsets.UTF_8);
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        try {
          gate.sendRaw(bytes);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      });
      for (int i = 0; i < pings; i++) {
        assertThat(gate.read().getLong("id")).isEqualTo(i);
      }
      writer.get(10, TimeUnit.SECONDS);
      // the session is still healthy and serves requests
      CompletableFuture<Http.Response> fee = http.getAsync("/api/v1/parks/h-flood/fee?timeoutMs=5000");
      gate.answer(gate.readRequest("fee.query"), new JsonObject().put("amount", 3).put("currency", "CNY"));
      assertThat(fee.join().status()).isEqualTo(200);
    }
  }

  @Test
  void manyConnectionsThatNeverSayHelloAreAllClosedAtTheDeadline() throws Exception {
    int count = 500; // bench/ runs the same with 10,000 connections
    List<Socket> sockets = new ArrayList<>();
    try {
      // GIVEN many connections that never say hello
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        Socket s = new Socket("127.0.0.1", node.controllerPort());
        s.setSoTimeout(10_000);
        sockets.add(s);
      }
      long connectingMs = (System.nanoTime() - start) / 1_000_000;
      // THEN every one is closed
      int closed = 0;
      for (Socket s : sockets) {
        // each gets its -32003 line, then end of stream
        byte[] buf = new byte[512];
        int n;
        while ((n = s.getInputStream().read(buf)) >= 0) {
          assertThat(n).isPositive();
        }
        closed++;
      }
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(closed).isEqualTo(count);
      // AND not before the hello deadline, and the last within two deadlines of its own connect
      assertThat(elapsedMs).isBetween(config.helloTimeoutMs(), connectingMs + 2 * config.helloTimeoutMs());
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void hostileHttpBodiesGetTypedErrors() {
    assertThat(http.post("/api/v1/parks/p1/payments", "{\"paymentId\":").error()).isEqualTo("BAD_REQUEST");
    assertThat(http.post("/api/v1/parks/p1/payments", "[]").error()).isEqualTo("BAD_REQUEST");
    assertThat(http.post("/api/v1/parks/p1/payments", "{\"paymentId\":[1],\"amount\":1}").error()).isEqualTo("BAD_REQUEST");
    assertThat(http.post("/api/v1/parks/p1/payments", "{\"paymentId\":\"x\",\"amount\":-1}").error()).isEqualTo("BAD_REQUEST");
    assertThat(http.post("/api/v1/parks/p1/payments", "{\"paymentId\":\"x\",\"amount\":1e3}").error()).isEqualTo("BAD_REQUEST");
    String huge = new JsonObject().put("paymentId", "x").put("amount", 1)
        .put("pad", new JsonArray(List.of("y".repeat(config.maxBodyBytes())))).encode();
    assertThat(http.post("/api/v1/parks/p1/payments", huge).status()).isEqualTo(413);
  }
}
