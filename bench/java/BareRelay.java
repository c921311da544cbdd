import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Scenario k, the request anchor: the least Vert.x code that does parkgate's fee job. The gate
 * simulator's controllers connect to its TCP port (hello and pings answered by BareV1); a
 * {@code GET /api/v1/parks/{id}/fee} becomes one JSON-RPC {@code fee.query} line on that park's
 * socket, the answer line is matched by its id in the park's table of requests in flight (many per
 * park), and its {@code result} is the HTTP body. The HTTP request and the socket may live on
 * different event loops: the request hops to the socket's loop and the answer hops back, as in the
 * node. No auth, no cluster, no event bus, no metrics, no per-request deadline, no write-queue
 * checks. {@code GET /api/v1/parks} answers {@code {"total":N}} (parks online) for the harness.
 *
 *   java -cp parkgate.jar:classes BareRelay HTTP_PORT CONTROLLER_PORT [INSTANCES]
 */
public final class BareRelay {
  private static final String PARKS = "/api/v1/parks";
  private static final String FEE = "/fee";

  public static void main(String[] args) {
    int httpPort = Integer.parseInt(args[0]);
    int devPort = Integer.parseInt(args[1]);
    int instances = Anchors.instances(args, 2);
    Vertx vertx = Vertx.vertx();
    Map<String, Park> parks = new ConcurrentHashMap<>();
    Anchors.deploy(vertx, () -> new RelayVerticle(parks, httpPort, devPort), instances,
        "bare relay: HTTP on 127.0.0.1:" + httpPort + ", controllers on 127.0.0.1:" + devPort);
  }

  private static final class RelayVerticle extends VerticleBase {
    private final Map<String, Park> parks;
    private final int httpPort;
    private final int devPort;

    RelayVerticle(Map<String, Park> parks, int httpPort, int devPort) {
      this.parks = parks;
      this.httpPort = httpPort;
      this.devPort = devPort;
    }

    @Override
    public Future<?> start() {
      return Future.all(
          vertx.createNetServer().connectHandler(this::handleController).listen(devPort, "127.0.0.1"),
          vertx.createHttpServer().requestHandler(this::handleRequest).listen(httpPort, "127.0.0.1"));
    }

    private void handleController(NetSocket socket) {
      Park park = new Park(socket);
      BareV1.serve(socket, (parkId, s) -> {
        park.parkId = parkId;
        parks.put(parkId, park);
      }, park::handleAnswer);
      socket.closeHandler(v -> {
        if (park.parkId != null) {
          parks.remove(park.parkId, park);
        }
        park.failAll();
      });
    }

    private void handleRequest(HttpServerRequest req) {
      String path = req.path();
      if (path.equals(PARKS)) {
        req.response().end("{\"total\":" + parks.size() + "}");
        return;
      }
      if (!path.startsWith(PARKS + "/") || !path.endsWith(FEE)) {
        req.response().setStatusCode(404).end();
        return;
      }
      Park park = parks.get(path.substring(PARKS.length() + 1, path.length() - FEE.length()));
      if (park == null) {
        req.response().setStatusCode(503).end();
        return;
      }
      park.query(req.response());
    }
  }

  /** An HTTP answer waiting for its line, with the event loop it must be ended on. */
  private record Waiting(HttpServerResponse response, Context context, Thread thread) {
  }

  /** One connected park; its table and id counter are touched only on the socket's event loop. */
  private static final class Park {
    private final NetSocket socket;
    private final Context context = Vertx.currentContext();
    private final Thread thread = Thread.currentThread();
    private final Map<Long, Waiting> pending = new HashMap<>();
    private long nextId = 1;
    private String parkId;

    Park(NetSocket socket) {
      this.socket = socket;
    }

    void query(HttpServerResponse response) {
      Waiting waiting = new Waiting(response, Vertx.currentContext(), Thread.currentThread());
      on(context, thread, () -> {
        long id = nextId++;
        pending.put(id, waiting);
        socket.write(BareV1.request(id, "fee.query"));
      });
    }

    void handleAnswer(Buffer line) {
      Waiting waiting = pending.remove(BareV1.id(line));
      if (waiting == null) {
        return;
      }
      Buffer result = BareV1.result(line);
      on(waiting.context(), waiting.thread(), () -> {
        if (result == null) {
          waiting.response().setStatusCode(502).end(line);
        } else {
          waiting.response().putHeader("content-type", "application/json").end(result);
        }
      });
    }

    void failAll() {
      pending.values().forEach(w -> on(w.context(), w.thread(), () -> w.response().setStatusCode(503).end()));
      pending.clear();
    }
  }

  /** Runs on the event loop of {@code context}: at once when already there, else queued to it. */
  private static void on(Context context, Thread thread, Runnable action) {
    if (Thread.currentThread() == thread) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }
}
