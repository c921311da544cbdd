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
import java.util.function.IntFunction;
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
        .compose(vertx -> deploy(vertx, config)
            .recover(failure -> vertx.close().transform(v -> Future.failedFuture(failure))));
  }

  private static Future<ParkgateNode> deploy(Vertx vertx, ParkgateConfig config) {
    Future<Integer> device = deployListener(vertx, config.devicePort(), config.deviceInstances(),
        port -> new DeviceVerticle(config, port), DeviceVerticle::actualPort);
    Future<Integer> http = device.compose(d -> deployListener(vertx, config.httpPort(),
        config.httpInstances(), port -> new ApiVerticle(config, port), ApiVerticle::actualPort));
    return http.map(h -> {
      ParkgateNode node = new ParkgateNode(vertx, h, device.result());
      LOG.info("parkgate node ready: http port {}, controller port {}", portText(h), portText(device.result()));
      return node;
    });
  }

  /**
   * Deploys the first instance on the configured port (0 = any free port), reads back the port it
   * bound, then deploys the other instances on that same port so they share it.
   */
  private static <V extends Deployable> Future<Integer> deployListener(
      Vertx vertx, Integer port, int instances, IntFunction<V> factory, ToIntFunction<V> actualPort) {
    if (port == null) {
      return Future.succeededFuture(-1);
    }
    V first = factory.apply(port);
    return vertx.deployVerticle(first)
        .compose(id -> {
          int bound = actualPort.applyAsInt(first);
          if (instances <= 1) {
            return Future.succeededFuture(bound);
          }
          return vertx.deployVerticle(() -> factory.apply(bound), new DeploymentOptions().setInstances(instances - 1))
              .map(bound);
        });
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
