import io.parkgate.ParkgateNode;
import io.parkgate.bus.Notification;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Webhook delivery on one node to a receiver on loopback (issue 18 item 5, webhook half):
 *
 * <pre>java $HAZELCAST_FLAGS -cp target/parkgate.jar:CLASSES WebhookBench STORE [N] [PARKS] [RATE] [SECONDS]</pre>
 *
 * STORE is cluster or postgres (then PARKGATE_POSTGRES_URI / PARKGATE_POSTGRES_PASSWORD). Three
 * passes, in one process, printing one JSON line each:
 * <ol>
 *   <li>anchor: a bare Vert.x WebClient POSTing the same bodies to the same receiver with the same
 *   concurrency (16): what this machine's loopback HTTP does without an outbox;</li>
 *   <li>throughput: N notifications over PARKS parks queued through the node's Notifier (64 in
 *   flight) while they are delivered; deliveries per second from the first to the last 200;</li>
 *   <li>delay: RATE notifications per second for SECONDS seconds (no backlog), the delay from the
 *   notify call to the receiver sending its 200, p50/p99.</li>
 * </ol>
 * The receiver, the node and the load share the JVM and the machine's cores.
 */
public final class WebhookBench {

  public static void main(String[] args) throws Exception {
    String store = args.length > 0 ? args[0] : "cluster";
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    int parks = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    int rate = args.length > 3 ? Integer.parseInt(args[3]) : 200;
    int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 10;
    String run = Long.toString(System.nanoTime(), 36);

    Vertx receiverVertx = Vertx.vertx();
    Map<String, Long> sentNanos = new ConcurrentHashMap<>();
    List<Long> delaysMicros = Collections.synchronizedList(new ArrayList<>());
    AtomicLong answered = new AtomicLong();
    AtomicLong firstNanos = new AtomicLong();
    AtomicLong lastNanos = new AtomicLong();
    HttpServer receiver = receiverVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String id = req.getHeader("Parkgate-Event-Id");
      req.response().setStatusCode(200).end().onSuccess(v -> {
        long now = System.nanoTime();
        Long sent = id == null ? null : sentNanos.remove(id);
        if (sent != null) {
          delaysMicros.add((now - sent) / 1_000);
          answered.incrementAndGet();
          firstNanos.compareAndSet(0, now);
          lastNanos.set(now);
        }
      });
    }));
    int port = await(receiver.listen(0, "127.0.0.1")).actualPort();
    String url = "http://127.0.0.1:" + port + "/hook";

    // 1. the anchor
    String body = new JsonObject().put("id", "x").put("type", "vehicle.entered").put("occurredAt", "2026-12-03T00:00:00Z")
        .put("parkId", "p").put("data", new JsonObject().put("n", 1)).encode();
    Vertx clientVertx = Vertx.vertx();
    WebClient client = WebClient.create(clientVertx, new WebClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(16));
    Semaphore slots = new Semaphore(16);
    CountDownLatch bareDone = new CountDownLatch(n);
    long bareStart = System.nanoTime();
    for (int i = 0; i < n; i++) {
      slots.acquire();
      client.postAbs(url).putHeader("content-type", "application/json").as(BodyCodec.none())
          .sendBuffer(Buffer.buffer(body)).onComplete(ar -> {
            slots.release();
            bareDone.countDown();
          });
    }
    bareDone.await(120, TimeUnit.SECONDS);
    double bareRate = n / ((System.nanoTime() - bareStart) / 1e9);
    System.out.println(new JsonObject().put("pass", "anchor").put("posts", n).put("perSecond", Math.round(bareRate)));
    await(clientVertx.close());

    // 2. the node
    ParkgateConfig.Builder config = ParkgateConfig.builder()
        .bindHost("127.0.0.1").httpPort(0).controllerPort(0).clusterName("webhook-bench-" + UUID.randomUUID())
        .set(Settings.HTTP_INSECURE_NO_API_KEYS, true).set(Settings.CONTROLLERS_INSECURE_ACCEPT_ANY_TOKEN, true)
        .set(Settings.WEBHOOKS_SUBSCRIPTIONS, new JsonArray().add(new JsonObject().put("name", "bench-" + run)
            .put("url", url).put("secret", "bench").put("events", new JsonArray().add("*"))))
        .set(Settings.WEBHOOK_SECRETS, "bench=bench-secret-0123456789abcdef");
    if ("postgres".equals(store)) {
      config.set(Settings.PAYMENTS_STORE, "postgres").set(Settings.PAYMENTS_POSTGRES_URI, System.getenv("PARKGATE_POSTGRES_URI"))
          .set(Settings.POSTGRES_PASSWORD, System.getenv("PARKGATE_POSTGRES_PASSWORD"));
    }
    ParkgateNode node = await(ParkgateNode.start(config.build()));
    try {
      // warm-up: 1,000 delivered
      queue(node, run + "-w", 1_000, parks, 64, 0, sentNanos);
      waitFor(answered, 1_000, 60);
      answered.set(0);
      firstNanos.set(0);
      delaysMicros.clear();

      long queueStart = System.nanoTime();
      queue(node, run + "-t", n, parks, 64, 0, sentNanos);
      double queuedPerSecond = n / ((System.nanoTime() - queueStart) / 1e9);
      waitFor(answered, n, 300);
      double deliveredPerSecond = (n - 1) / ((lastNanos.get() - firstNanos.get()) / 1e9);
      System.out.println(new JsonObject().put("pass", "throughput").put("store", store).put("notifications", n)
          .put("parks", parks).put("queuedPerSecond", Math.round(queuedPerSecond))
          .put("deliveredPerSecond", Math.round(deliveredPerSecond))
          .put("ratioToAnchor", Math.round(100.0 * deliveredPerSecond / bareRate) / 100.0)
          .put("delayP50Ms", percentile(delaysMicros, 50) / 1000.0).put("delayP99Ms", percentile(delaysMicros, 99) / 1000.0));

      answered.set(0);
      delaysMicros.clear();
      int total = rate * seconds;
      queue(node, run + "-d", total, parks, 64, rate, sentNanos);
      waitFor(answered, total, 120);
      System.out.println(new JsonObject().put("pass", "delay").put("store", store).put("ratePerSecond", rate)
          .put("notifications", total).put("delayP50Ms", percentile(delaysMicros, 50) / 1000.0)
          .put("delayP99Ms", percentile(delaysMicros, 99) / 1000.0)
          .put("delayMaxMs", percentile(delaysMicros, 100) / 1000.0));
    } finally {
      await(node.close());
      await(receiverVertx.close());
    }
    System.exit(0);
  }

  /** Queues {@code count} notifications round-robin over the parks, {@code inFlight} at once, at {@code rate}/s (0 = as fast as it goes). */
  private static void queue(ParkgateNode node, String prefix, int count, int parks, int inFlight, int rate,
      Map<String, Long> sentNanos) throws InterruptedException {
    Semaphore slots = new Semaphore(inFlight);
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      if (rate > 0) {
        long due = start + (long) (i * 1e9 / rate);
        while (System.nanoTime() < due) {
          java.util.concurrent.locks.LockSupport.parkNanos(Math.max(1, due - System.nanoTime()));
        }
      }
      slots.acquire();
      String id = prefix + "-" + i;
      sentNanos.put(id, System.nanoTime());
      Future<Void> f = node.notifier().notify(new Notification(id, "vehicle.entered", System.currentTimeMillis(),
          "bench-" + (i % parks), new JsonObject().put("n", i)));
      f.onComplete(ar -> {
        slots.release();
        if (ar.failed()) {
          System.err.println("notify failed: " + ar.cause());
        }
      });
    }
    slots.acquire(inFlight);
  }

  private static void waitFor(AtomicLong counter, long target, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (counter.get() < target && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
    }
    if (counter.get() < target) {
      System.err.println("only " + counter.get() + " of " + target + " delivered within " + seconds + " s");
      System.exit(1);
    }
  }

  private static long percentile(List<Long> values, int p) {
    List<Long> sorted;
    synchronized (values) {
      sorted = new ArrayList<>(values);
    }
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      return 0;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
