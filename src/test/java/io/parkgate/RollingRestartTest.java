package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.sim.ControllerSimulator;
import io.parkgate.sim.SimulatorOptions;
import io.parkgate.testing.Http;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
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
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rolling restart of every controller node under load, behind a round-robin TCP balancer (as on
 * Kubernetes): each node drains (controllers move, make before break) and is replaced. Every
 * request to a connected park is answered 200: none hangs past its timeout, none fails.
 *
 * <p>The last gap (issue 17; 1 or 2 GATE_OFFLINE in a third of the runs, once 66 of 3,790): a
 * controller moving off the draining node was refused as stale ("a newer connection for park ...
 * exists") because the node it reached handed out an epoch from a batch prefetched minutes
 * earlier, lower than its current session's; the old session then closed at the end of the grace
 * with the park offline until the controller's next attempt. Epochs are now taken one at a time
 * ({@code ClusterManagers.tune}, {@code EpochOrderTest}): 7 runs of 7 all 200 after the fix. The
 * losses, if any, are printed with the phase they happened in.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RollingRestartTest {

  private static final int GATES = 30;
  private static final long TIMEOUT_MS = 2_000;
  /** Requests per burst of load: the test waits for each burst before the next. */
  private static final int BURST = 10;

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
  void restartingEveryNodeUnderLoadAnswersEveryRequestInTimeAndTyped(Vertx clients) throws Exception {
    // GIVEN three controller nodes behind a balancer, one HTTP node, 30 simulated gates
    String cluster = TestNodes.newClusterName();
    ParkgateConfig controllerOnly = TestNodes.config(cluster).httpPort(null).drainGraceMs(3_000).build();
    ParkgateNode api = TestNodes.start(TestNodes.config(cluster).controllerPort(null).build());
    List<ParkgateNode> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(TestNodes.start(controllerOnly));
    }
    Balancer balancer = new Balancer();
    Http http = new Http(api.httpPort());
    try {
      nodes.forEach(n -> balancer.backends.add(n.controllerPort()));
      int lbPort = TestNodes.await(balancer.start(clients));
      TestNodes.await(ControllerSimulator.deploy(clients, new SimulatorOptions("127.0.0.1", lbPort, GATES, "roll", 500, 0,
          Set.of(), 0, TestNodes.TOKEN_SECRET, false), false));
      assertThat(TestNodes.poll(Duration.ofSeconds(20), () -> online(http) == GATES)).isTrue();

      // WHEN each controller node in turn drains and is replaced, under continuous load
      List<CompletableFuture<Response>> answers = new CopyOnWriteArrayList<>();
      List<String> phases = new CopyOnWriteArrayList<>();
      for (int round = 0; round < nodes.size(); round++) {
        ParkgateNode leaving = nodes.get(round);
        // the balancer stops sending new connections there (readiness went down)
        balancer.backends.remove(Integer.valueOf(leaving.controllerPort()));
        CompletableFuture<Void> drained = leaving.drain(3_000).toCompletionStage().toCompletableFuture();
        while (!drained.isDone()) {
          fire(http, answers, phases, "node " + (round + 1) + " draining");
        }
        TestNodes.close(leaving);
        ParkgateNode replacement = TestNodes.start(controllerOnly);
        nodes.set(round, replacement);
        balancer.backends.add(replacement.controllerPort());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < until) {
          fire(http, answers, phases, "node " + (round + 1) + " replaced");
        }
        assertThat(TestNodes.poll(Duration.ofSeconds(20), () -> online(http) == GATES))
            .as("all parks online again after restarting node %d", round + 1).isTrue();
      }

      // THEN no request fails or hangs past its timeout: every one is answered 200
      Map<String, Integer> outcomes = new TreeMap<>();
      Map<String, Integer> lostWhen = new TreeMap<>();
      for (int i = 0; i < answers.size(); i++) {
        Response r = answers.get(i).get(2 * TIMEOUT_MS, TimeUnit.MILLISECONDS);
        outcomes.merge(r.status() == 200 ? "200" : r.status() + " " + r.error(), 1, Integer::sum);
        if (r.status() != 200) {
          lostWhen.merge(phases.get(i) + ": " + r.error(), 1, Integer::sum);
        }
        assertThat(r.status()).as("no request fails with a bug: %s", r.json()).isIn(200, 503, 504);
        assertThat(r.error()).as("a typed failure").isIn(null, "GATE_TIMEOUT", "GATE_OFFLINE", "GATE_UNRESPONSIVE");
        assertThat(r.elapsedMs()).as("no request hangs past its timeout").isLessThan(TIMEOUT_MS * 3 / 2);
      }
      System.out.println("rolling restart of 3 nodes, " + answers.size() + " requests: " + outcomes
          + ", not answered 200: " + lostWhen);
      assertThat(answers.size() - outcomes.getOrDefault("200", 0))
          .as("requests not answered 200 (%s) of %d", lostWhen, answers.size())
          .isZero();
    } finally {
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
  private static void fire(Http http, List<CompletableFuture<Response>> answers, List<String> phases, String phase) {
    List<CompletableFuture<Response>> burst = new ArrayList<>();
    for (int i = 0; i < BURST; i++) {
      int park = 1 + ThreadLocalRandom.current().nextInt(GATES);
      burst.add(http.getAsync("/api/v1/parks/roll" + park + "/fee?timeoutMs=" + TIMEOUT_MS));
      phases.add(phase);
    }
    answers.addAll(burst);
    CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).join();
  }
}
