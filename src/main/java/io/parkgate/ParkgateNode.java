package io.parkgate;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.MeterRegistry;
import io.parkgate.cluster.ClusterManagers;
import io.parkgate.cluster.ParkDirectory;
import io.parkgate.cluster.ParkNodeSelector;
import io.parkgate.cluster.ClusterParkHistory;
import io.parkgate.cluster.ClusterParkWatch;
import io.parkgate.cluster.ClusterPaymentStore;
import io.parkgate.cluster.ClusterQueueOwners;
import io.parkgate.cluster.ClusterWebhookOutbox;
import io.parkgate.bus.GateReports;
import io.parkgate.bus.Notifier;
import io.parkgate.config.Settings;
import io.parkgate.webhook.LifecycleNotifications;
import io.parkgate.webhook.PaymentNotifications;
import io.parkgate.webhook.PostgresWebhookOutbox;
import io.parkgate.webhook.WebhookOutbox;
import io.parkgate.webhook.Webhooks;
import io.parkgate.bus.SessionEvents;
import io.parkgate.cluster.ClusterGateEventStore;
import io.parkgate.events.GateEventIntake;
import io.parkgate.events.GateEventStore;
import io.parkgate.events.PostgresGateEventStore;
import io.parkgate.history.HistoryRecorder;
import io.parkgate.history.ParkHistory;
import io.parkgate.history.PostgresParkHistory;
import io.parkgate.http.NodeInfo;
import io.parkgate.payments.PaymentCourier;
import io.parkgate.payments.PaymentStore;
import io.parkgate.payments.PostgresPaymentStore;
import io.parkgate.config.ListenPort;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.controller.ControllerVerticle;
import io.parkgate.controller.NodeSecurity;
import io.parkgate.controller.ParkSubscriptions;
import io.parkgate.controller.Rebalancer;
import io.parkgate.http.ApiVerticle;
import io.parkgate.http.NodeState;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.security.ApiKeys;
import io.parkgate.security.ClusterCredentials;
import io.parkgate.security.ConnectionBudget;
import io.parkgate.security.RecordSeal;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.impl.VertxBootstrapImpl;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One parkgate node: a clustered Vert.x with the park directory, the controller listener and the
 * HTTP API deployed. Used by {@code run}, {@code demo} and the tests (several nodes can live in
 * one JVM: nothing here is static).
 */
public final class ParkgateNode {

  private static final Logger LOG = LoggerFactory.getLogger(ParkgateNode.class);

  private final Vertx vertx;
  private final ParkDirectory directory;
  private final NodeState state;
  private final List<ControllerVerticle> controllerVerticles;
  private final List<ApiVerticle> apiVerticles;
  /** What the port accessors answer for a listener that is off. */
  public static final int OFF = -1;

  private final int httpPort;
  private final int controllerPort;
  private final int legacyPort;
  private final Notifier notifier;

  private ParkgateNode(Vertx vertx, ParkDirectory directory, NodeState state, List<ControllerVerticle> controllers,
      List<ApiVerticle> api, int httpPort, int controllerPort, int legacyPort, Notifier notifier) {
    this.notifier = notifier;
    this.vertx = vertx;
    this.directory = directory;
    this.state = state;
    this.controllerVerticles = controllers;
    this.apiVerticles = api;
    this.httpPort = httpPort;
    this.controllerPort = controllerPort;
    this.legacyPort = legacyPort;
  }

  /** Joins the cluster, then binds the listeners; fails (and leaves the cluster) if any step fails. */
  public static Future<ParkgateNode> start(ParkgateConfig config) {
    String instanceName = "parkgate-" + UUID.randomUUID();
    HazelcastClusterManager clusterManager;
    try {
      clusterManager = ClusterManagers.create(config, instanceName);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    String registryName = "parkgate-" + UUID.randomUUID();
    ClusterCredentials credentials = ClusterCredentials.of(config.clusterSecret(), config.clusterSecretPrevious(),
        config.tokenSecret());
    if (credentials.secure()) {
      LOG.info("event bus: mutual TLS with the cluster identity {}", credentials.fingerprint());
    } else {
      LOG.warn("event bus: NO authentication or encryption (no token or cluster secret: development mode);"
          + " anything that reaches the cluster ports can act as a node");
    }
    VertxOptions options = new VertxOptions()
        // one event loop per core (or per listener instance, when there are more), not Vert.x's two
        // per core: a request crosses the HTTP, lane and session contexts, and fewer loops make more
        // of those hops stay on one thread (no wakeup); nothing blocks a loop, so more loops bought nothing
        .setEventLoopPoolSize(Math.max(config.listenInstances(), Runtime.getRuntime().availableProcessors()))
        .setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setRegistryName(registryName)
            .setJvmMetricsEnabled(true)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
            // never label by event-bus address or remote address: both grow with the number of parks
            .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.EB_SIDE, Label.EB_FAILURE,
                Label.POOL_TYPE, Label.POOL_NAME)))
        .setEventBusOptions(credentials.applyTo(new EventBusOptions()
            .setHost(config.clusterHost())
            .setPort(config.clusterPort())
            .setClusterPublicHost(config.clusterHost())));
    if (config.drainGraceMs() < config.maxTimeoutMs()) {
      LOG.warn("drain.graceMs ({} ms) is shorter than requests.maxTimeoutMs ({} ms): a request still waiting when a"
          + " drain ends is cut off; make the grace at least the longest request", config.drainGraceMs(),
          config.maxTimeoutMs());
    }
    ParkNodeSelector selector = new ParkNodeSelector();
    return buildClustered(options, clusterManager, selector)
        .compose(vertx -> deploy(vertx, config, clusterManager.getNodeId(), instanceName, registryName,
            credentials.seal(), selector).recover(failure -> {
          // Do not wait on close(): its completion would be delivered on the event loop it shuts down.
          vertx.close();
          return Future.failedFuture(failure);
        }));
  }

  /**
   * {@code Vertx.builder().buildClustered()} with one difference: the event bus picks the node of a
   * park's address with {@link ParkNodeSelector}. The builder has no way to pass a node selector,
   * so this does what it does (5.0.7) through the bootstrap it uses, which is vert.x-internal API.
   */
  private static Future<Vertx> buildClustered(VertxOptions options, HazelcastClusterManager clusterManager,
      ParkNodeSelector selector) {
    VertxBootstrapImpl bootstrap = new VertxBootstrapImpl(options);
    bootstrap.transport(Transport.NIO.implementation());
    bootstrap.clusterManager(clusterManager);
    return bootstrap.init().clusterNodeSelector(selector).clusteredVertx();
  }

  private static Future<ParkgateNode> deploy(Vertx vertx, ParkgateConfig config, String nodeId, String instanceName,
      String registryName, RecordSeal seal, ParkNodeSelector selector) {
    HazelcastInstance hazelcast = Hazelcast.getHazelcastInstanceByName(instanceName);
    ClusterManagers.logMembership(hazelcast);
    NodeState state = new NodeState();
    List<ControllerVerticle> controllers = new CopyOnWriteArrayList<>();
    List<ApiVerticle> api = new CopyOnWriteArrayList<>();
    AtomicInteger instances = new AtomicInteger();
    MeterRegistry registry = BackendRegistries.getNow(registryName);
    GatewayMetrics metrics = registry == null ? GatewayMetrics.detached() : new GatewayMetrics(registry);
    NodeSecurity security = new NodeSecurity(config, metrics);
    ListenPort legacyPort = config.listenPort(ListenPort.Listener.LEGACY);
    ApiKeys apiKeys = new ApiKeys(config.apiKeys());
    ConnectionBudget httpConnections = new ConnectionBudget("http", config.maxHttpConnections(), Integer.MAX_VALUE, metrics);
    Future<PaymentStore> paymentStore = "postgres".equals(config.paymentStore())
        ? PostgresPaymentStore.start(vertx, config.postgresUri(), config.postgresPassword(), config.postgresPoolSize(),
            config.paymentStoreTimeoutMs(), config.paymentRetentionMs())
        : ClusterPaymentStore.start(vertx, hazelcast, seal, metrics, config.paymentRetentionMs(),
            config.paymentStoreTimeoutMs());
    return ParkDirectory.start(vertx, hazelcast, nodeId, seal, metrics).andThen(ar -> {
      if (ar.succeeded()) {
        selector.useDirectory(ar.result());
      }
    }).compose(directory -> paymentStore.compose(store -> outbox(vertx, hazelcast, config, store, seal, metrics)
        .map(outbox -> new Webhooks(vertx, config, outbox, new ClusterQueueOwners(hazelcast), metrics.registry()))
        .compose(webhooks -> {
      Notifier notifier = webhooks.notifier();
      PaymentStore payments = new PaymentNotifications(store, notifier);
      PaymentCourier courier = new PaymentCourier(payments, metrics, nodeId, config.paymentAttemptTimeoutMs(),
          directory::lookup);
      // the history lives where the payments do: in PostgreSQL when they are there, else in the grid
      ParkHistory history = store instanceof PostgresPaymentStore postgres
          ? new PostgresParkHistory(vertx, postgres.pool(), config.historyRetentionMs(), config.paymentStoreTimeoutMs())
          : new ClusterParkHistory(vertx, hazelcast, config.historyRetentionMs(), config.paymentStoreTimeoutMs());
      ClusterParkWatch watch = new ClusterParkWatch(vertx, hazelcast, directory::lookup, config.flappingWindowMs(),
          config.flappingMaxSessions(), config.flappingBanMs(), config.paymentStoreTimeoutMs());
      SessionEvents events = SessionEvents.both(courier, SessionEvents.both(new HistoryRecorder(history, metrics),
          new LifecycleNotifications(notifier)));
      // gate events live where the payments do, as the history does
      GateEventStore gateEventStore = store instanceof PostgresPaymentStore postgres
          ? new PostgresGateEventStore(vertx, postgres.pool(), config.eventsRetentionMs(), config.paymentStoreTimeoutMs())
          : new ClusterGateEventStore(vertx, hazelcast, seal, metrics, config.eventsRetentionMs(),
              config.paymentStoreTimeoutMs());
      GateReports gateReports = new GateEventIntake(nodeId, gateEventStore, history, notifier, metrics.registry());
      return vertx.deployVerticle(courier)
          .compose(id -> vertx.deployVerticle(webhooks.deliverer()))
          .compose(id -> vertx.deployVerticle(new NodeInfo(nodeId, state, metrics, watch,
              !config.listenPort(ListenPort.Listener.CONTROLLER).isOff())))
          .compose(id ->
        ParkSubscriptions.start(vertx, ParkSubscriptions.DEFAULT_LANES)).compose(subscriptions -> {
          Future<Integer> controllerPort = deployListener(vertx, config.listenPort(ListenPort.Listener.CONTROLLER), config.controllerInstances(),
              port -> new ControllerVerticle(config, directory, subscriptions, security, port, legacyPort,
                  instances.incrementAndGet(), events, watch, gateReports),
              ControllerVerticle::actualPort, controllers);
          Future<Integer> httpPort = controllerPort.compose(d -> deployListener(vertx, config.listenPort(ListenPort.Listener.HTTP),
              config.httpInstances(),
              port -> new ApiVerticle(config, directory, payments, history, watch, webhooks, apiKeys, metrics,
                  registryName, state, port, httpConnections),
              ApiVerticle::actualPort, api));
          Future<String> rebalancer = httpPort.compose(h -> controllers.isEmpty() ? Future.succeededFuture("")
              : vertx.deployVerticle(new Rebalancer(nodeId, List.copyOf(controllers), () -> spread(vertx, directory),
                  state::evacuating, config.rebalanceOnJoin(), config.rebalanceMovesPerSecond(),
                  config.rebalanceJoinDelayMs())));
          return rebalancer.map(r -> httpPort.result()).map(h -> {
            state.ready(true);
            int legacy = controllers.isEmpty() || legacyPort.isOff() ? OFF : controllers.get(0).actualLegacyPort();
            LOG.info("parkgate node {} ready: http port {}, controller port {}, legacy port {}", nodeId, portText(h),
                portText(controllerPort.result()), portText(legacy));
            return new ParkgateNode(vertx, directory, state, controllers, api, h, controllerPort.result(), legacy,
                webhooks.notifier());
          });
        });
    })));
  }

  /** The webhook outbox lives where the payments do: in PostgreSQL when they are there, else in the grid. */
  private static Future<WebhookOutbox> outbox(Vertx vertx, HazelcastInstance hazelcast, ParkgateConfig config,
      PaymentStore store, RecordSeal seal, GatewayMetrics metrics) {
    long retentionMs = config.get(Settings.WEBHOOKS_RETENTION_S) * 1000L;
    return store instanceof PostgresPaymentStore postgres
        ? Future.succeededFuture(new PostgresWebhookOutbox(vertx, postgres.pool(), retentionMs,
            config.paymentStoreTimeoutMs()))
        : ClusterWebhookOutbox.start(vertx, hazelcast, seal, metrics, retentionMs, config.paymentStoreTimeoutMs());
  }

  /**
   * What the rebalancer needs: online parks per node from the directory, and the nodes that take
   * controllers now, as each describes itself (a node that does not answer in 500 ms is left out).
   */
  private static Future<Rebalancer.Spread> spread(Vertx vertx, ParkDirectory directory) {
    return NodeInfo.askAll(vertx, directory.liveNodes()).map(answers -> new Rebalancer.Spread(directory.countByNode(),
        answers.stream().filter(a -> a.getBoolean("takesControllers", false)).map(a -> a.getString("node"))
            .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new))));
  }

  /**
   * Deploys {@code instances} copies of a listener verticle sharing one port (see {@link ListenPort}).
   * Completes with the port bound, or {@link #OFF}.
   */
  private static <V extends Deployable> Future<Integer> deployListener(Vertx vertx, ListenPort port,
      int instances, Function<ListenPort, V> factory, ToIntFunction<V> actualPort, List<V> deployed) {
    if (port.isOff()) {
      return Future.succeededFuture(OFF);
    }
    Supplier<V> supplier = () -> {
      V verticle = factory.apply(port);
      deployed.add(verticle);
      return verticle;
    };
    return vertx.deployVerticle(supplier, new DeploymentOptions().setInstances(instances))
        .map(id -> actualPort.applyAsInt(deployed.get(0)));
  }

  private static String portText(int port) {
    return port == OFF ? "off" : String.valueOf(port);
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The Hazelcast member UUID of this node, as shown in the directory. */
  public String nodeId() {
    return directory.nodeId();
  }

  /** Where this node's parts hand over notifications for the webhooks (see docs/webhooks.md). */
  public Notifier notifier() {
    return notifier;
  }

  /** The HTTP port actually bound, or {@link #OFF}. */
  public int httpPort() {
    return httpPort;
  }

  /** The controller port actually bound, or {@link #OFF}. */
  public int controllerPort() {
    return controllerPort;
  }

  /** The HTTP routes ("METHOD /path"), or an empty list when HTTP is off. */
  public List<String> httpRoutes() {
    return apiVerticles.isEmpty() ? List.of() : apiVerticles.get(0).routes();
  }

  /** The legacy controller port actually bound, or {@link #OFF}. */
  public int legacyPort() {
    return legacyPort;
  }

  /**
   * Graceful drain (SIGTERM): readiness turns false, no new controllers or HTTP connections are
   * accepted, connected controllers are asked to reconnect elsewhere, in-flight requests get up
   * to {@code graceMs} to finish. Call {@link #close()} afterwards to leave the cluster.
   */
  public Future<Void> drain(long graceMs) {
    if (!state.startDraining()) {
      return Future.succeededFuture();
    }
    // with no other node taking controllers there is nowhere to move to: asking them to reconnect
    // would only keep them (and the drain) waiting for the whole grace; they are closed once idle
    Future<Boolean> elsewhere = controllerVerticles.isEmpty() ? Future.succeededFuture(false)
        : spread(vertx, directory).map(s -> s.eligible().stream().anyMatch(n -> !n.equals(directory.nodeId())))
            .otherwise(true);
    return elsewhere.compose(canMove -> {
      LOG.info(canMove ? "draining: controllers asked to reconnect elsewhere, {} ms grace"
          : "draining: no other node takes controllers; they are closed once idle, {} ms grace", graceMs);
      List<Future<Void>> steps = new ArrayList<>();
      controllerVerticles.forEach(v -> steps.add(v.drain(graceMs, canMove)));
      apiVerticles.forEach(v -> steps.add(v.drain(graceMs)));
      return Future.join(steps).mapEmpty();
    });
  }

  /** Undeploys everything (closing sockets, unregistering parks) and leaves the cluster. */
  public Future<Void> close() {
    state.ready(false);
    return vertx.close();
  }
}
