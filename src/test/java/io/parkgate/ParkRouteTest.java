package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.bus.Addresses;
import io.parkgate.testing.Http;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A park's requests go to its address, and the bus takes them to the node the directory names:
 * another consumer of the same address elsewhere in the cluster (a lingering registration, the
 * park's previous node) gets none of them, where vert.x alone would share them round robin.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ParkRouteTest {

  private static ParkgateNode gates;
  private static ParkgateNode api;
  private static Http http;

  @BeforeAll
  static void start() {
    String cluster = TestNodes.newClusterName();
    gates = TestNodes.start(TestNodes.config(cluster).httpPort(null).build());
    api = TestNodes.start(TestNodes.config(cluster).controllerPort(null).build());
    http = new Http(api.httpPort());
  }

  @AfterAll
  static void stop() {
    TestNodes.close(api);
    TestNodes.close(gates);
  }

  @Test
  void requestsGoToTheNodeTheDirectoryNamesNotRoundRobinOverTheParksAddress() throws Exception {
    try (TestController gate = TestController.online(gates.controllerPort(), "route-1")) {
      // GIVEN a second, clustered consumer of the park's address on the API node
      AtomicInteger stolen = new AtomicInteger();
      MessageConsumer<JsonObject> other = api.vertx().eventBus().consumer(Addresses.park("route-1"), m -> {
        stolen.incrementAndGet();
        m.reply(new JsonObject().put("amount", 1).put("currency", "CNY"));
      });
      TestNodes.await(other.completion());
      // WHEN 20 fee queries are sent, one after the other
      List<Long> amounts = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        CompletableFuture<Response> fee = http.getAsync("/api/v1/parks/route-1/fee?timeoutMs=3000");
        gate.answer(gate.readRequest("fee.query"), new JsonObject().put("amount", 300).put("currency", "CNY"));
        amounts.add(fee.join().json().getLong("amount"));
      }
      // THEN the gate answered every one of them
      assertThat(amounts).containsOnly(300L);
      assertThat(stolen).hasValue(0);
      TestNodes.await(other.unregister());
    }
  }
}
