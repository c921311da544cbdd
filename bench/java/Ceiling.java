import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;

/**
 * Scenario a, the ceiling: a bare Vert.x HTTP server (same Vert.x as parkgate, same number of
 * event-loop instances) answering every request with a constant fee-sized JSON body. No router, no
 * API key check, no event bus: what the machine and the load generator allow at best.
 *
 *   java -cp parkgate.jar:classes Ceiling PORT [INSTANCES]
 */
public final class Ceiling {
  static final String BODY = "{\"amount\":800,\"currency\":\"CNY\",\"enteredAt\":\"2026-11-24T19:40:15.684549047Z\","
      + "\"plate\":\"ABC123\",\"parkId\":\"g1\"}";

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    int instances = Anchors.instances(args, 1);
    Vertx vertx = Vertx.vertx();
    Anchors.deploy(vertx, () -> new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.createHttpServer()
            .requestHandler(req -> req.response().putHeader("content-type", "application/json").end(BODY))
            .listen(port, "127.0.0.1");
      }
    }, instances, "ceiling listening on 127.0.0.1:" + port);
  }
}
