package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.sim.GateSimulator;
import io.parkgate.sim.SimulatorOptions;
import io.parkgate.testing.Http;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rolling restart of every controller node under load, behind a round-robin TCP balancer (as on
 * Kubernetes): each node drains (controllers move, make before break) and is replaced. No request
 * may hang past its timeout or fail with a 500; every one gets a real answer or a typed error.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RollingRestartTest {

  private static final int GATES = 30;
  private static final long TIMEOUT_MS = 2_000;

  /** A TCP balancer: each new connection goes to the next live backend, skipping dead ones. */
  private static final class Balancer {
    final List<Integer> backends = new CopyOnWriteArrayList<>();
    final AtomicInteger next = new AtomicInteger();
    NetServer server;
    NetClient client;

    Future<Integer> start(Vertx vertx) {
      client = vertx.createNetClient();
      server = vertx.createNetServer().connectHandler(this::route);
      return server.listen(0, "127.0.0.1").map(NetServer::actualPort);
    }

    private void route(NetSocket front) {
      front.pause();
      connect(front, backends.size());
    }

    private void connect(NetSocket front, int triesLeft) {
      if (triesLeft <= 0 || backends.isEmpty()) {
        front.close();
        return;
      }
      int port = backends.get(Math.floorMod(next.getAndIncrement(), backends.size()));
      client.connect(port, "127.0.0.1").onComplete(ar -> {
        if (ar.failed()) {
          connect(front, triesLeft - 1);
          return;
        }
        NetSocket back = ar.result();
        front.pipeTo(back);
        back.pipeTo(front);
        front.resume();
      });
    }
  }

  @Test
  void restartingEveryNodeUnderLoadLosesNoRequest() throws Exception {
    String cluster = TestNodes.newClusterName();
    ParkgateConfig deviceOnly = TestNodes.config(cluster).httpPort(null).drainGraceMs(3_000).build();
    ParkgateNode api = TestNodes.start(TestNodes.config(cluster).devicePort(null).build());
    List<ParkgateNode> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(TestNodes.start(deviceOnly));
    }
    Vertx clients = Vertx.vertx();
    Balancer balancer = new Balancer();
    Http http = new Http(api.httpPort());
    try {
      nodes.forEach(n -> balancer.backends.add(n.devicePort()));
      int lbPort = TestNodes.await(balancer.start(clients));
      TestNodes.await(GateSimulator.deploy(clients, new SimulatorOptions("127.0.0.1", lbPort, GATES, "roll", 500, 0,
          Set.of(), 0, TestNodes.TOKEN_SECRET, false), false));
      assertThat(TestNodes.poll(Duration.ofSeconds(20), () -> online(http) == GATES)).isTrue();

      List<CompletableFuture<Response>> answers = new CopyOnWriteArrayList<>();
      for (int round = 0; round < nodes.size(); round++) {
        ParkgateNode leaving = nodes.get(round);
        // the balancer stops sending new connections there (readiness went down)
        balancer.backends.remove(Integer.valueOf(leaving.devicePort()));
        CompletableFuture<Void> drained = leaving.drain(3_000).toCompletionStage().toCompletableFuture();
        while (!drained.isDone()) {
          fire(http, answers, 10);
        }
        TestNodes.close(leaving);
        ParkgateNode replacement = TestNodes.start(deviceOnly);
        nodes.set(round, replacement);
        balancer.backends.add(replacement.devicePort());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < until) {
          fire(http, answers, 10);
        }
        assertThat(TestNodes.poll(Duration.ofSeconds(20), () -> online(http) == GATES))
            .as("all parks online again after restarting node %d", round + 1).isTrue();
      }

      Map<String, Integer> outcomes = new TreeMap<>();
      for (CompletableFuture<Response> f : answers) {
        Response r = f.get(TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
        outcomes.merge(r.status() == 200 ? "200" : r.status() + " " + r.error(), 1, Integer::sum);
        assertThat(r.status()).as("no request fails with a bug").isIn(200, 503, 504);
        assertThat(r.elapsedMs()).as("no request hangs past its timeout").isLessThan(TIMEOUT_MS + 1_000);
      }
      System.out.println("rolling restart of 3 nodes, " + answers.size() + " requests: " + outcomes);
      assertThat(outcomes.getOrDefault("200", 0)).as("answered requests").isGreaterThan(answers.size() * 9 / 10);
    } finally {
      TestNodes.await(clients.close());
      for (ParkgateNode n : nodes) {
        n.close().otherwiseEmpty();
      }
      TestNodes.close(api);
    }
  }

  private static int online(Http http) {
    Response r = http.get("/api/v1/parks?limit=1");
    return r.status() == 200 ? r.json().getInteger("total") : -1;
  }

  /** Sends a burst of fee queries for random parks and waits for them (the load never stops long). */
  private static void fire(Http http, List<CompletableFuture<Response>> answers, int n) {
    List<CompletableFuture<Response>> burst = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int park = 1 + ThreadLocalRandom.current().nextInt(GATES);
      burst.add(http.getAsync("/api/v1/parks/roll" + park + "/fee?timeoutMs=" + TIMEOUT_MS));
    }
    answers.addAll(burst);
    CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).join();
  }
}
