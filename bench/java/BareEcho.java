import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;

/**
 * Scenario l, the heartbeat anchor: a bare Vert.x NetServer (same Vert.x as parkgate, one
 * event-loop instance per core, as the node's controller listener) that answers the simulator's
 * hello and pings (BareV1) and nothing else. Held by as many idle simulated controllers as g, its
 * CPU per heartbeat is what the protocol costs at least on this machine.
 *
 *   java -cp parkgate.jar:classes BareEcho PORT [INSTANCES]
 */
public final class BareEcho {

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    int instances = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.createNetServer()
            .connectHandler(socket -> BareV1.serve(socket, (parkId, s) -> { }, line -> { }))
            .listen(port, "127.0.0.1");
      }
    }, new DeploymentOptions().setInstances(instances)).onComplete(ar -> {
      if (ar.failed()) {
        ar.cause().printStackTrace();
        System.exit(1);
      }
      System.out.println("bare echo listening on 127.0.0.1:" + port + " with " + instances + " instances");
    });
  }
}
