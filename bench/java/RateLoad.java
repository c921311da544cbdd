import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Fixed-rate load generator (wrk2-style, free of coordinated omission): request i is due at
 * start + i / rate, and its latency is measured from that due time, not from when a connection
 * became free. If the server stalls, requests queue in the client's pool and the stall shows in
 * every one of them. One event loop, HdrHistogram, keep-alive pool of CONNS connections.
 *
 *   java -cp parkgate.jar:classes RateLoad URL RATE SECONDS CONNS PREFIX FIRST LAST [QUERY]
 *   env BENCH_KEY: API key (Authorization: Bearer ...); BENCH_RATE_WARM_S (default 3): seconds sent at
 *   the same rate before SECONDS, not recorded (JIT and connection set-up of both sides)
 *
 * Prints "BENCHJSON {...}" in the same shape as bench/wrk/parks.lua, plus "due_late": requests
 * whose send was more than 10 ms behind schedule (the generator itself could not keep up).
 */
public final class RateLoad {
  private static final Pattern CODE = Pattern.compile("\"error\"\\s*:\\s*\"([A-Z_]+)\"");

  public static void main(String[] a) throws Exception {
    java.net.URI uri = java.net.URI.create(a[0]);
    double rate = Double.parseDouble(a[1]);
    double seconds = Double.parseDouble(a[2]);
    int conns = Integer.parseInt(a[3]);
    String prefix = a[4];
    int first = Integer.parseInt(a[5]);
    int last = Integer.parseInt(a[6]);
    String query = a.length > 7 && !a[7].isEmpty() ? "?" + a[7] : "";
    String key = System.getenv().getOrDefault("BENCH_KEY", "");
    int n = last - first + 1;
    double warm = Double.parseDouble(System.getenv().getOrDefault("BENCH_RATE_WARM_S", "3"));
    long warmCount = (long) (rate * warm);   // the first warm seconds are sent at the rate but not recorded
    long total = (long) (rate * (seconds + warm));

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
        .setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort()), new PoolOptions().setHttp1MaxSize(conns));
    Histogram hist = new Histogram(60_000_000_000L, 3);
    Map<String, Long> statuses = new TreeMap<>();
    long[] errors = new long[1];
    long[] late = new long[1];
    long[] done = new long[1];
    long[] sent = new long[1];
    CountDownLatch finished = new CountDownLatch(1);
    long start = System.nanoTime() + 200_000_000L;
    double intervalNs = 1e9 / rate;

    vertx.runOnContext(v -> vertx.setPeriodic(1, t -> {
      long now = System.nanoTime();
      while (sent[0] < total) {
        long due = start + (long) (sent[0] * intervalNs);
        if (due > now) {
          break;
        }
        boolean recorded = sent[0] >= warmCount;
        if (recorded && now - due > 10_000_000L) {
          late[0]++;
        }
        String path = "/api/v1/parks/" + prefix + (first + (int) (sent[0] % n)) + "/fee" + query;
        sent[0]++;
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setURI(path);
        if (!key.isEmpty()) {
          ro.putHeader("Authorization", "Bearer " + key);
        }
        client.request(ro).compose(req -> req.send().compose(resp -> resp.body().map(body -> {
          String k = Integer.toString(resp.statusCode());
          if (resp.statusCode() != 200) {
            Matcher m = CODE.matcher(body.toString());
            if (m.find()) {
              k += " " + m.group(1);
            }
          }
          return k;
        }))).onComplete(ar -> {
          if (recorded) {
            hist.recordValue(Math.max(1, (System.nanoTime() - due) / 1000));
            if (ar.succeeded()) {
              statuses.merge(ar.result(), 1L, Long::sum);
            } else {
              errors[0]++;
            }
          }
          if (++done[0] == total) {
            finished.countDown();
          }
        });
      }
    }));
    if (!finished.await((long) (seconds + 60), java.util.concurrent.TimeUnit.SECONDS)) {
      System.err.println("not all answers arrived: " + done[0] + " of " + total);
    }
    long durUs = (System.nanoTime() - start) / 1000 - (long) (warm * 1e6);
    long recordedCount = hist.getTotalCount();
    StringBuilder pct = new StringBuilder();
    for (String p : new String[] {"50", "75", "90", "95", "99", "99.5", "99.9", "99.99"}) {
      pct.append(pct.length() == 0 ? "" : ",").append('"').append(p).append("\":")
          .append(hist.getValueAtPercentile(Double.parseDouble(p)));
    }
    StringBuilder st = new StringBuilder();
    statuses.forEach((k, v) -> st.append(st.length() == 0 ? "" : ",").append('"').append(k).append("\":").append(v));
    long ok = statuses.getOrDefault("200", 0L);
    System.out.printf("BENCHJSON {\"requests\":%d,\"duration_us\":%d,\"bytes\":0,\"socket_errors\":{\"connect\":%d,"
        + "\"read\":0,\"write\":0,\"timeout\":0},\"non2xx\":%d,\"latency_us\":{\"min\":%d,\"mean\":%.1f,\"max\":%d,"
        + "\"pct\":{%s}},\"statuses\":{%s},\"rate\":%.0f,\"due_late\":%d}%n",
        recordedCount, durUs, errors[0], recordedCount - ok - errors[0], hist.getMinValue(), hist.getMean(), hist.getMaxValue(),
        pct, st, rate, late[0]);
    vertx.close();
  }
}
