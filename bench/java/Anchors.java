import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/** What every anchor's main does: deploy its verticle on as many event loops as asked, say so, or exit 1. */
final class Anchors {

  private Anchors() {
  }

  /** The instances argument at {@code index}, or one per core. */
  static int instances(String[] args, int index) {
    return args.length > index ? Integer.parseInt(args[index]) : Runtime.getRuntime().availableProcessors();
  }

  static void deploy(Vertx vertx, Supplier<? extends Deployable> verticle, int instances, String ready) {
    vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(instances)).onComplete(ar -> {
      if (ar.failed()) {
        ar.cause().printStackTrace();
        System.exit(1);
      }
      System.out.println(ready + ", " + instances + " instances");
    });
  }
}
