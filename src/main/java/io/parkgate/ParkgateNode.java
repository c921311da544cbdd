package io.parkgate;

import io.parkgate.cluster.ClusterManagers;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.device.DeviceVerticle;
import io.parkgate.http.ApiVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One parkgate node: a clustered Vert.x with the controller listener and the HTTP API deployed.
 * Used by {@code run}, {@code demo} and the tests (several nodes can live in one JVM).
 */
public final class ParkgateNode {

  private static final Logger LOG = LoggerFactory.getLogger(ParkgateNode.class);

  private final Vertx vertx;
  private final int httpPort;
  private final int devicePort;

  private ParkgateNode(Vertx vertx, int httpPort, int devicePort) {
    this.vertx = vertx;
    this.httpPort = httpPort;
    this.devicePort = devicePort;
  }

  /** Joins the cluster, then binds the listeners; fails (and leaves the cluster) if any step fails. */
  public static Future<ParkgateNode> start(ParkgateConfig config) {
    HazelcastClusterManager clusterManager;
    try {
      clusterManager = ClusterManagers.create(config);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    VertxOptions options = new VertxOptions()
        .setEventBusOptions(new EventBusOptions().setHost(config.clusterHost()).setPort(0));
    return Vertx.builder()
        .with(options)
        .withClusterManager(clusterManager)
        .buildClustered()
        .compose(vertx -> deploy(vertx, config).recover(failure -> {
          // Do not wait on close(): its completion would be delivered on the event loop it shuts down.
          vertx.close();
          return Future.failedFuture(failure);
        }));
  }

  private static Future<ParkgateNode> deploy(Vertx vertx, ParkgateConfig config) {
    Future<Integer> device = deployListener(vertx, config.devicePort(), -1, config.deviceInstances(),
        port -> new DeviceVerticle(config, port), DeviceVerticle::actualPort);
    Future<Integer> http = device.compose(d -> deployListener(vertx, config.httpPort(), -2,
        config.httpInstances(), port -> new ApiVerticle(config, port), ApiVerticle::actualPort));
    return http.map(h -> {
      ParkgateNode node = new ParkgateNode(vertx, h, device.result());
      LOG.info("parkgate node ready: http port {}, controller port {}", portText(h), portText(device.result()));
      return node;
    });
  }

  /**
   * Deploys {@code instances} copies of a listener verticle sharing one port. Port 0 becomes
   * {@code sharedRandom} (negative): Vert.x gives every server of one Vert.x instance asking for the
   * same negative port one shared random port (with 0, each instance would bind a different one), so
   * each listener kind needs its own negative value.
   */
  private static <V extends Deployable> Future<Integer> deployListener(Vertx vertx, Integer port,
      int sharedRandom, int instances, IntFunction<V> factory, ToIntFunction<V> actualPort) {
    if (port == null) {
      return Future.succeededFuture(-1);
    }
    int requested = port == 0 ? sharedRandom : port;
    List<V> deployed = new CopyOnWriteArrayList<>();
    Supplier<V> supplier = () -> {
      V verticle = factory.apply(requested);
      deployed.add(verticle);
      return verticle;
    };
    return vertx.deployVerticle(supplier, new DeploymentOptions().setInstances(instances))
        .map(id -> actualPort.applyAsInt(deployed.get(0)));
  }

  private static String portText(int port) {
    return port < 0 ? "off" : String.valueOf(port);
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The HTTP port actually bound, or -1 when HTTP is off. */
  public int httpPort() {
    return httpPort;
  }

  /** The controller port actually bound, or -1 when the controller listener is off. */
  public int devicePort() {
    return devicePort;
  }

  /** Undeploys everything (closing sockets, unregistering parks) and leaves the cluster. */
  public Future<Void> close() {
    return vertx.close();
  }
}
