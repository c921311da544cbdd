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
    int instances = Anchors.instances(args, 1);
    Vertx vertx = Vertx.vertx();
    Anchors.deploy(vertx, () -> new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.createNetServer()
            .connectHandler(socket -> BareV1.serve(socket, (parkId, s) -> { }, line -> { }))
            .listen(port, "127.0.0.1");
      }
    }, instances, "bare echo listening on 127.0.0.1:" + port);
  }
}
