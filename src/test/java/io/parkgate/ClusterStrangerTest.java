package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.parkgate.bus.Addresses;
import io.parkgate.bus.ControllerCall;
import io.parkgate.cluster.ParkDirectory;
import io.parkgate.cluster.ClusterPaymentStore;
import com.hazelcast.core.HazelcastJsonValue;
import io.parkgate.security.RecordSeal;
import io.parkgate.testing.Http;
import io.parkgate.testing.Http.Response;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The probe's attacks, reproduced: a stranger that reaches every cluster port and knows the cluster
 * name joins Hazelcast as a member (plain event bus, no cluster secret) and as a client, and tries
 * to receive gate requests, to notify a gate, to answer for a gate, and to forge the records the
 * API trusts. Node A holds the controllers, node B serves HTTP, so every request crosses the bus.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterStrangerTest {

  private static final int STRANGER_AMOUNT = 1;

  private static ParkgateNode nodeA;
  private static ParkgateNode nodeB;
  private static Http http;
  private static Vertx stranger;
  private static HazelcastInstance strangerMember;
  private static HazelcastInstance strangerClient;

  @BeforeAll
  static void start() {
    String cluster = TestNodes.newClusterName();
    nodeA = TestNodes.start(TestNodes.config(cluster).httpPort(null).build());
    nodeB = TestNodes.start(TestNodes.config(cluster).controllerPort(null).build());
    http = new Http(nodeB.httpPort());

    // a member: the packaged cluster.xml and the cluster name are all it needs to join
    Config hz = ConfigUtil.loadConfig().setClusterName(cluster).setInstanceName("stranger-" + UUID.randomUUID());
    stranger = TestNodes.await(Vertx.builder().withClusterManager(new HazelcastClusterManager(hz)).buildClustered());
    strangerMember = Hazelcast.getHazelcastInstanceByName(hz.getInstanceName());
    // a client: the cluster name and one member's address
    ClientConfig client = new ClientConfig().setClusterName(cluster);
    for (Member m : strangerMember.getCluster().getMembers()) {
      client.getNetworkConfig().addAddress(m.getAddress().getHost() + ":" + m.getAddress().getPort());
    }
    strangerClient = HazelcastClient.newHazelcastClient(client);
  }

  @AfterAll
  static void stop() {
    if (strangerClient != null) {
      strangerClient.shutdown();
    }
    if (stranger != null) {
      TestNodes.await(stranger.close());
    }
    TestNodes.close(nodeB);
    TestNodes.close(nodeA);
  }

  @Test
  void aStrangerMemberConsumingAParksAddressesReceivesNothingAndAnswersNothing() throws Exception {
    try (TestController gate = TestController.online(nodeA.controllerPort(), "st-fee")) {
      // GIVEN a stranger consuming the park's address and the instance address the directory routes to
      String route = routeOf("st-fee");
      AtomicInteger received = new AtomicInteger();
      List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
      for (String address : List.of(route, Addresses.park("st-fee"))) {
        MessageConsumer<JsonObject> c = stranger.eventBus().<JsonObject>consumer(address, m -> {
          received.incrementAndGet();
          m.reply(new JsonObject().put("amount", STRANGER_AMOUNT).put("currency", "CNY"));
        });
        TestNodes.await(c.completion());
        consumers.add(c);
      }
      // WHEN the app asks for the fee many times (round robin would give the stranger half)
      List<CompletableFuture<Response>> calls = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        calls.add(http.getAsync("/api/v1/parks/st-fee/fee?timeoutMs=3000&plate=P" + i));
      }
      CompletableFuture<Void> all = CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new));
      CompletableFuture<Void> answering = CompletableFuture.runAsync(() -> {
        while (!all.isDone()) {
          try {
            JsonObject request = gate.readRequest("fee.query");
            gate.answer(request, new JsonObject().put("amount", 300).put("currency", "CNY"));
          } catch (java.net.SocketTimeoutException e) {
            // nothing more came within the read timeout: look at `all` again
          } catch (java.io.IOException e) {
            return;
          }
        }
      });
      all.join();
      answering.join();
      // THEN every answer is the gate's or a typed failure, and the stranger never heard a request
      List<Response> responses = calls.stream().map(CompletableFuture::join).toList();
      assertThat(responses).allSatisfy(r -> {
        if (r.status() == 200) {
          assertThat(r.json().getLong("amount")).isEqualTo(300);
        } else {
          assertThat(r.error()).isNotNull();
        }
      });
      assertThat(responses.stream().filter(r -> r.status() == 200).count()).isPositive();
      assertThat(received).hasValue(0);
      consumers.forEach(c -> TestNodes.await(c.unregister()));
    }
  }

  @Test
  void aStrangerMemberCannotNotifyAGateOfAPayment() throws Exception {
    try (TestController gate = TestController.online(nodeA.controllerPort(), "st-pay")) {
      // GIVEN the address that reaches the park's session
      String route = routeOf("st-pay");
      // WHEN the stranger sends payment.notify straight over the bus, to both addresses
      for (String address : List.of(route, Addresses.park("st-pay"))) {
        JsonObject call = ControllerCall.call("st-pay", "payment.notify",
            new JsonObject().put("paymentId", "stolen-" + address).put("amount", 0), 1000).toJson();
        Future<?> sent = stranger.eventBus().request(address, call, new DeliveryOptions().setSendTimeout(2000));
        assertThat(awaitFailure(sent)).as("the stranger's request to %s", address).isTrue();
      }
      // THEN the next thing the gate hears is a genuine request, not the stranger's payment
      CompletableFuture<Response> genuine = http.getAsync("/api/v1/parks/st-pay/fee?timeoutMs=3000");
      JsonObject first = gate.read();
      assertThat(first.getString("method")).isEqualTo("fee.query");
      gate.answer(first, new JsonObject().put("amount", 500).put("currency", "CNY"));
      assertThat(genuine.join().status()).isEqualTo(200);
    }
  }

  @Test
  void forgedDirectoryEntriesAreRefusedAndDoNotStealALivePark() throws Exception {
    IMap<String, String> parks = strangerClient.getMap(ParkDirectory.MAP_NAME);
    // GIVEN a live park, and a stranger's client that writes entries with and without a fake seal
    try (TestController gate = TestController.online(nodeA.controllerPort(), "st-live")) {
      String genuine = parks.get("st-live");
      JsonObject entry = new JsonObject(RecordSeal.body(genuine));
      String strangerRoute = "stranger.route";
      JsonObject stolen = entry.copy().put("address", strangerRoute).put("epoch", Long.MAX_VALUE / 2);
      parks.put("st-live", stolen.encode());
      parks.put("st-ghost", "s1.AAAAAAAAAAAAAAAAAAAAAA." + stolen.copy().put("parkId", "st-ghost").encode());
      TestNodes.await(stranger.eventBus().consumer(strangerRoute, m -> m.reply(new JsonObject()
          .put("amount", STRANGER_AMOUNT).put("currency", "CNY"))).completion());
      assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> forgedCount("parkgate.parks") >= 2))
          .as("the node saw and counted both forged entries").isTrue();

      // WHEN the app asks for both parks
      Response ghost = http.get("/api/v1/parks/st-ghost/fee?timeoutMs=2000");
      CompletableFuture<Response> live = http.getAsync("/api/v1/parks/st-live/fee?timeoutMs=3000");
      JsonObject request = gate.readRequest("fee.query");
      gate.answer(request, new JsonObject().put("amount", 700).put("currency", "CNY"));

      // THEN the forged park does not exist, and the live one is still answered by its gate
      assertThat(ghost.status()).isEqualTo(503);
      assertThat(ghost.error()).isEqualTo("GATE_OFFLINE");
      assertThat(live.join().json().getLong("amount")).isEqualTo(700);
    }
    // AND a new hello of the park replaces the forged entry (which claims a higher epoch)
    TestController again = TestController.online(nodeA.controllerPort(), "st-live");
    assertThat(RecordSeal.body(parks.get("st-live"))).contains("\"address\":\"parkgate.controller.");
    again.close();
  }

  @Test
  void aForgedPaymentRecordIsNeverReplayedAndThePaymentGoesToTheGate() throws Exception {
    IMap<String, HazelcastJsonValue> payments = strangerClient.getMap(ClusterPaymentStore.MAP_NAME);
    try (TestController gate = TestController.online(nodeA.controllerPort(), "st-ledger")) {
      // GIVEN a forged "confirmed" record for a paymentId the app is about to send
      JsonObject record = new JsonObject().put("paymentId", "pf-1").put("parkId", "st-ledger").put("amount", 800)
          .put("acceptedAt", 1).put("validUntil", Long.MAX_VALUE).put("state", "confirmed").put("version", 5)
          .put("result", new JsonObject().put("status", "opened"));
      JsonObject forged = new JsonObject().put("paymentId", "pf-1").put("parkId", "st-ledger")
          .put("state", "confirmed").put("version", 5).put("record", "s1.forged." + record.encode());
      payments.put("pf-1", new HazelcastJsonValue(forged.encode()));
      // WHEN the app posts the payment
      CompletableFuture<Response> post = http.postAsync("/api/v1/parks/st-ledger/payments?timeoutMs=3000",
          new JsonObject().put("paymentId", "pf-1").put("amount", 800).encode());
      // THEN the gate is told (it dedupes on paymentId), and the answer is the gate's, not a replay
      JsonObject notify = gate.readRequest("payment.notify");
      assertThat(notify.getJsonObject("params").getString("paymentId")).isEqualTo("pf-1");
      gate.answer(notify, new JsonObject().put("status", "opened"));
      Response r = post.join();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().containsKey("replayed")).isFalse();
      assertThat(forgedCount(ClusterPaymentStore.MAP_NAME)).isPositive();
      // AND the record now carries a valid seal: a retry is a genuine replay
      Response retry = http.post("/api/v1/parks/st-ledger/payments",
          new JsonObject().put("paymentId", "pf-1").put("amount", 800).encode());
      assertThat(retry.json().getBoolean("replayed")).isTrue();
    }
  }

  @Test
  void hazelcastListensOnlyOnTheConfiguredInterface() throws Exception {
    // GIVEN the nodes' Hazelcast members (cluster.xml names 127.0.0.1; Hazelcast's default binds 0.0.0.0)
    List<Integer> ports = Hazelcast.getAllHazelcastInstances().stream()
        .filter(h -> h != strangerMember && h.getConfig().getClusterName().equals(strangerMember.getConfig().getClusterName()))
        .map(h -> h.getCluster().getLocalMember().getAddress().getPort()).toList();
    assertThat(ports).hasSize(2);
    // WHEN the kernel's table of listening TCP sockets is read
    List<String> listening = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/net/tcp")).stream()
        .skip(1).map(String::trim).map(l -> l.split("\\s+")).filter(f -> f[3].equals("0A")).map(f -> f[1]).toList();
    // THEN each member's port is bound on 127.0.0.1 only
    for (int port : ports) {
      String hexPort = String.format(":%04X", port);
      assertThat(listening.stream().filter(a -> a.endsWith(hexPort)).toList())
          .as("listening sockets on port %d", port).containsExactly("0100007F" + hexPort);
    }
  }

  /** The event-bus address the directory routes the park's requests to (a stranger can read it). */
  private static String routeOf(String parkId) {
    String stored = strangerClient.<String, String>getMap(ParkDirectory.MAP_NAME).get(parkId);
    return new JsonObject(RecordSeal.body(stored)).getString("address");
  }

  private static boolean awaitFailure(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return true;
    } catch (Exception e) {
      throw new IllegalStateException("no outcome within 10 s", e);
    }
  }

  private static double forgedCount(String map) {
    String metrics = http.get("/metrics").json().getString("unparsed");
    return metrics.lines()
        .filter(l -> l.startsWith("parkgate_records_forged_total") && l.contains("map=\"" + map + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
