package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.sim.ControllerSimulator;
import io.parkgate.sim.SimulatorOptions;
import io.parkgate.sim.SimulatorStats;
import io.parkgate.testing.Http;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.TestHaproxy;
import io.parkgate.testing.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rebalancing (issue 15): controllers all on two nodes behind a real HAProxy (leastconn, as the
 * docs recommend); a third node joins; the nodes above the mean move their excess at a bounded
 * rate, make before break, and each ends with a third (within 10 %), while fee queries keep being
 * answered. Then an evacuation empties a node, which keeps serving HTTP.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RebalanceTest {

  static final int CONTROLLERS = 150;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static Map<String, Long> spread(Http http) {
    Map<String, Long> out = new java.util.HashMap<>();
    http.get("/api/v1/cluster").json().getJsonArray("nodes").forEach(o -> {
      JsonObject n = (JsonObject) o;
      out.put(n.getString("node"), n.getLong("parks"));
    });
    return out;
  }

  private static boolean within(long held, long of, double share) {
    return Math.abs(held - of) <= Math.ceil(of * share);
  }

  @Test
  void aJoiningNodeGetsAThirdOfTheControllersWithoutAFailedRequestAndAnEvacuatedNodeNone() throws Exception {
    String cluster = TestNodes.newClusterName();
    int portC = freePort();
    int httpC = freePort();
    var config = TestNodes.config(cluster).rebalance(true, 50, 1);
    ParkgateNode a = TestNodes.start(config.build());
    ParkgateNode b = TestNodes.start(config.build());
    ParkgateNode c = null;
    Vertx clients = Vertx.vertx();
    AtomicBoolean loading = new AtomicBoolean(true);
    List<Response> answers = java.util.Collections.synchronizedList(new ArrayList<>());
    // the balancer checks /health/controllers: a node that does not take controllers gets none
    try (TestHaproxy haproxy = TestHaproxy.tcp("leastconn", "", new int[] {a.httpPort(), b.httpPort(), httpC},
        a.controllerPort(), b.controllerPort(), portC)) {
      // GIVEN 150 controllers through the balancer while only A and B are up
      SimulatorStats stats = TestNodes.await(ControllerSimulator.deploy(clients, new SimulatorOptions("127.0.0.1",
          haproxy.port(), CONTROLLERS, "rb", 800, 0, Set.of(), 0, TestNodes.TOKEN_SECRET, false), false));
      Http http = new Http(a.httpPort());
      // the directory lists a park before its controller has read the hello's answer: wait for both
      assertThat(TestNodes.poll(Duration.ofSeconds(20), () -> http.get("/api/v1/parks?limit=1").json()
          .getInteger("total") == CONTROLLERS && stats.connected() == CONTROLLERS))
          .as("online %d of %d", stats.connected(), CONTROLLERS).isTrue();
      // AND fee queries to every park, all the time
      CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
        int i = 0;
        while (loading.get()) {
          answers.add(http.get("/api/v1/parks/rb" + (1 + i++ % CONTROLLERS) + "/fee?timeoutMs=5000"));
        }
      });
      // WHEN C joins
      c = TestNodes.start(config.controllerPort(portC).httpPort(httpC).build());
      ParkgateNode joined = c;
      long mean = CONTROLLERS / 3;
      // THEN each node ends with a third, within 10 %
      boolean balanced = TestNodes.poll(Duration.ofSeconds(40), () -> {
        Map<String, Long> s = spread(http);
        return within(s.getOrDefault(a.nodeId(), 0L), mean, 0.10) && within(s.getOrDefault(b.nodeId(), 0L), mean, 0.10)
            && within(s.getOrDefault(joined.nodeId(), 0L), mean, 0.10);
      });
      assertThat(balanced).as("spread %s", spread(http)).isTrue();
      // WHEN an operator evacuates C
      Response evacuate = http.post("/api/v1/admin/nodes/" + c.nodeId() + "/evacuate", "");
      assertThat(evacuate.status()).as("%s", evacuate.json()).isEqualTo(200);
      // THEN it holds none, every park is still online, and C still answers HTTP
      assertThat(TestNodes.poll(Duration.ofSeconds(30), () -> spread(http).getOrDefault(joined.nodeId(), 0L) == 0))
          .as("spread %s", spread(http)).isTrue();
      assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> http.get("/api/v1/parks?limit=1").json()
          .getInteger("total") == CONTROLLERS)).isTrue();
      assertThat(new Http(c.httpPort()).get("/api/v1/parks/rb1/fee").status()).isEqualTo(200);
      loading.set(false);
      load.get(30, TimeUnit.SECONDS);
      // AND no fee query failed during any of it
      synchronized (answers) {
        assertThat(answers).hasSizeGreaterThan(100);
        assertThat(answers.stream().filter(r -> r.status() != 200).map(r -> r.status() + " " + r.error()).toList())
            .isEmpty();
      }
    } finally {
      loading.set(false);
      clients.close();
      TestNodes.close(c);
      TestNodes.close(b);
      TestNodes.close(a);
    }
  }
}
