import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Arrays;

/**
 * A webhook receiver for bench/events/run's e2e pass: answers every POST 200 at once and records,
 * for each delivery, the time from the event's {@code occurredAt} (the simulated gate's clock, the
 * moment it made the event and sent its {@code event.report}) to the answer. Every second it writes
 * {@code {"received":N,"p50Ms":..,"p99Ms":..}} to FILE, of the deliveries answered from
 * SKIP_S seconds after its start (the warm-up before is answered but not counted).
 *
 *   java -cp parkgate.jar:classes EventReceiver PORT FILE SKIP_S
 */
public final class EventReceiver {

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    Path file = Path.of(args[1]);
    long countFrom = System.currentTimeMillis() + Long.parseLong(args[2]) * 1000;
    Vertx vertx = Vertx.vertx();
    // the server and the timer share one context, so the counters need no lock
    vertx.runOnContext(v -> start(vertx, port, file, countFrom));
  }

  private static void start(Vertx vertx, int port, Path file, long countFrom) {
    long[][] delays = {new long[1 << 20]};
    int[] count = {0};
    vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      long now = System.currentTimeMillis();
      String occurred = new JsonObject(body).getString("occurredAt");
      req.response().setStatusCode(200).end();
      if (occurred != null && now >= countFrom) {
        if (count[0] == delays[0].length) {
          delays[0] = Arrays.copyOf(delays[0], count[0] * 2);
        }
        delays[0][count[0]++] = now - Instant.parse(occurred).toEpochMilli();
      }
    })).listen(port, "127.0.0.1").onFailure(e -> {
      System.err.println("cannot listen on " + port + ": " + e);
      System.exit(1);
    });
    vertx.setPeriodic(1000, t -> {
      int n = count[0];
      long[] sorted = Arrays.copyOf(delays[0], n);
      Arrays.sort(sorted);
      JsonObject out = new JsonObject().put("received", n)
          .put("p50Ms", n == 0 ? 0 : sorted[n / 2]).put("p99Ms", n == 0 ? 0 : sorted[Math.min(n - 1, (int) (n * 0.99))]);
      try {
        Path tmp = Path.of(file + ".tmp");
        Files.writeString(tmp, out.encode());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      } catch (java.io.IOException e) {
        System.err.println("cannot write " + file + ": " + e);
      }
    });
    System.out.println("receiving on " + port);
  }
}
