package io.parkgate.http;

import io.parkgate.bus.ErrorCode;
import io.parkgate.bus.GatewayException;
import io.parkgate.bus.ParkIds;
import io.parkgate.cluster.ClusterParkWatch;
import io.parkgate.cluster.ParkDirectory;
import io.parkgate.history.ParkHistory;
import io.parkgate.payments.PaymentStore;
import io.parkgate.config.ListenPort;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.metrics.GatewayMetrics;
import io.parkgate.protocol.ControllerMethods;
import io.parkgate.security.ApiKeys;
import io.parkgate.security.ConnectionBudget;
import io.parkgate.webhook.Webhooks;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.spi.cluster.hazelcast.ClusterHealthCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP API. It never talks to a socket: every park operation is a request on the park's bus
 * address through {@link ParkClient}, so it works the same on any node of the cluster.
 */
public final class ApiVerticle extends VerticleBase {

  private final ParkgateConfig config;
  private final ParkDirectory directory;
  private final PaymentStore paymentStore;
  private final ParkHistory history;
  private final ClusterParkWatch watch;
  private final Webhooks webhooks;
  private final ApiKeys apiKeys;
  private final GatewayMetrics metrics;
  private final String registryName;
  private final NodeState state;
  private final ListenPort port;
  private final ConnectionBudget connections;
  static final String REQUEST_ID = "requestId";
  /** Request ids are a per-process random prefix and a counter: unique, and cheaper than UUIDs. */
  private static final String REQUEST_ID_PREFIX = Long.toHexString(new java.security.SecureRandom().nextLong()) + "-";
  private static final java.util.concurrent.atomic.AtomicLong REQUEST_COUNTER = new java.util.concurrent.atomic.AtomicLong();
  static final String REQUEST_ID_HEADER = "X-Request-Id";

  /** The OpenAPI description served at /openapi.yaml (a classpath resource). */
  static final String OPENAPI_RESOURCE = "openapi.yaml";

  private ParkClient parks;
  private PaymentHandler payments;
  private ParkHandler views;
  private Router router;
  private io.vertx.core.buffer.Buffer openApi;
  private HttpServer server;

  public ApiVerticle(ParkgateConfig config, ParkDirectory directory, PaymentStore paymentStore, ParkHistory history,
      ClusterParkWatch watch, Webhooks webhooks, ApiKeys apiKeys, GatewayMetrics metrics, String registryName,
      NodeState state, ListenPort port, ConnectionBudget connections) {
    this.history = history;
    this.webhooks = webhooks;
    this.watch = watch;
    this.metrics = metrics;
    this.registryName = registryName;
    this.config = config;
    this.directory = directory;
    this.paymentStore = paymentStore;
    this.apiKeys = apiKeys;
    this.state = state;
    this.port = port;
    this.connections = connections;
  }

  @Override
  public Future<?> start() {
    parks = new ParkClient(vertx, directory, metrics);
    payments = new PaymentHandler(vertx, paymentStore, directory, config, metrics);
    views = new ParkHandler(vertx, directory, parks, history, watch);
    // no h2c upgrade: behind a load balancer HTTP/1.1 is what arrives, and a half-done upgrade
    // (seen with the JDK client) must not leave a caller waiting
    // (h2c off also keeps every connection on the HTTP/1.x pipeline that ConnectionGuard makes strict)
    HttpServerOptions options = new HttpServerOptions().setTcpNoDelay(true).setIdleTimeout(60)
        .setHttp2ClearTextEnabled(false);
    ConnectionGuard guard = new ConnectionGuard(vertx, connections, options, config.httpBodyTimeoutMs());
    server = vertx.createHttpServer(options)
        .connectionHandler(guard::handleConnection)
        .invalidRequestHandler(ConnectionGuard::handleInvalid);
    router = router();
    return vertx.executeBlocking(ApiVerticle::readOpenApi)
        .onSuccess(spec -> openApi = spec)
        .compose(v -> server.requestHandler(request -> {
          guard.watchBody(request);
          router.handle(request);
        }).listen(port.bindValue(), config.bindHost()));
  }

  /** The packaged description, from the classpath only (never a stray file in the working directory). */
  private static io.vertx.core.buffer.Buffer readOpenApi() throws java.io.IOException {
    try (java.io.InputStream in = ApiVerticle.class.getClassLoader().getResourceAsStream(OPENAPI_RESOURCE)) {
      return in == null ? null : io.vertx.core.buffer.Buffer.buffer(in.readAllBytes());
    }
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** Every route as "METHOD /path" with OpenAPI-style {params}, for the contract test. */
  public List<String> routes() {
    List<String> out = new ArrayList<>();
    for (io.vertx.ext.web.Route r : router.getRoutes()) {
      if (r.getPath() == null || r.methods() == null) {
        continue;
      }
      String path = r.getPath().replaceAll(":([A-Za-z]+)", "{$1}");
      r.methods().forEach(m -> out.add(m.name() + " " + path));
    }
    return out;
  }

  /** Stops accepting connections and lets requests in flight finish, for at most {@code graceMs}. */
  public Future<Void> drain(long graceMs) {
    return server.shutdown(graceMs, TimeUnit.MILLISECONDS);
  }

  /**
   * How long a readiness probe waits for Hazelcast's isClusterSafe. It blocks while a member is
   * frozen (until Hazelcast removes it, 10 s): the fault harness (sigstop) saw every survivor's
   * probe time out, so HAProxy took all three nodes out for 7 s. Past this wait the probe answers
   * "safe": unknown (UP once the cluster was safe, NodeState.clusterCheckUp).
   */
  static final long CLUSTER_CHECK_WAIT_MS = 300;
  private io.vertx.core.Handler<io.vertx.core.Promise<Status>> clusterSafe;
  /** The isClusterSafe call in progress (one at a time, so hung probes never pile up on workers). */
  private Future<Boolean> clusterSafeCall;

  private void clusterCheck(io.vertx.core.Promise<Status> promise) {
    if (clusterSafe == null) {
      clusterSafe = ClusterHealthCheck.createProcedure(vertx);
    }
    Future<Boolean> call = clusterSafeCall;
    if (call == null) {
      io.vertx.core.Promise<Status> started = io.vertx.core.Promise.promise();
      clusterSafe.handle(started);
      Future<Boolean> safe = started.future().map(Status::isOk).otherwise(false);
      call = safe;
      if (!safe.isComplete()) {
        clusterSafeCall = safe;
        safe.onComplete(ar -> clusterSafeCall = null);
      }
    }
    Future<Boolean> answer = call;
    Future.any(answer, vertx.timer(CLUSTER_CHECK_WAIT_MS)).onComplete(ar -> {
      boolean answered = answer.isComplete();
      boolean safeNow = answered && answer.result();
      JsonObject data = new JsonObject().put("safe", answered ? safeNow : null);
      promise.tryComplete(state.clusterCheckUp(safeNow) ? Status.OK(data) : Status.KO(data));
    });
  }

  Router router() {
    Router router = Router.router(vertx);
    ErrorHandler errors = new ErrorHandler();
    router.route().handler(ApiVerticle::tagRequest);
    // liveness: this process's event loops answer; it never asks the cluster
    router.get("/health/live").handler(HealthCheckHandler.create(vertx)
        .register("event-loop", promise -> promise.complete(Status.OK())));
    // readiness: joined the cluster and listening, and not draining
    router.get("/health/ready").handler(HealthCheckHandler.create(vertx)
        .register("listeners", promise -> promise.complete(state.ready() ? Status.OK()
            : Status.KO(new JsonObject().put("reason", "starting or stopping"))))
        .register("draining", promise -> promise.complete(state.draining()
            ? Status.KO(new JsonObject().put("reason", "draining")) : Status.OK()))
        // vertx-hazelcast's check: every partition has its backups (no migration in progress, no
        // member lost with data only it held); DOWN only until it held once (NodeState.clusterCheckUp)
        .register("cluster", this::clusterCheck)
        // reported, never DOWN: fee queries need no store, and every node shares the same one, so a
        // store outage must not take every node out of its Service
        .register("payments-store", promise -> paymentStore.ping().onComplete(ar -> promise.complete(Status.OK(
            new JsonObject().put("available", ar.succeeded()).put("store", config.paymentStore()))))));
    // for the controllers' balancer: whether this node takes new controllers (it does not while
    // draining or evacuating, while HTTP is still served); a balancer that checks it stops sending
    // controllers here, so the ones asked to move land elsewhere
    boolean controllerListener = !config.listenPort(ListenPort.Listener.CONTROLLER).isOff();
    router.get("/health/controllers").handler(ctx -> {
      String why = !controllerListener ? "no controller listener" : !state.ready() ? "starting or stopping"
          : state.draining() ? "draining" : state.evacuating() ? "evacuating" : null;
      json(ctx, why == null ? 200 : 503, why == null ? new JsonObject().put("status", "UP")
          : new JsonObject().put("status", "DOWN").put("reason", why));
    });
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registryName));
    router.get("/openapi.yaml").handler(ctx -> {
      if (openApi == null) {
        ctx.fail(new GatewayException(ErrorCode.NOT_FOUND, "no OpenAPI description packaged"));
      } else {
        ctx.response().putHeader("content-type", "application/yaml").end(openApi);
      }
    });
    Console.mount(router);
    router.get("/api/v1/me").handler(new ApiKeyHandler(apiKeys, metrics, null)).handler(ParkHandler::handleMe);
    router.post("/api/v1/admin/rebalance").handler(new ApiKeyHandler(apiKeys, metrics, "admin")).handler(views::handleRebalance);
    router.post("/api/v1/admin/nodes/:nodeId/evacuate").handler(new ApiKeyHandler(apiKeys, metrics, "admin"))
        .handler(ctx -> views.handleEvacuate(ctx, nodeId(ctx), true));
    router.delete("/api/v1/admin/nodes/:nodeId/evacuate").handler(new ApiKeyHandler(apiKeys, metrics, "admin"))
        .handler(ctx -> views.handleEvacuate(ctx, nodeId(ctx), false));
    router.get("/api/v1/cluster").handler(new ApiKeyHandler(apiKeys, metrics, "parks:read")).handler(views::handleCluster);
    router.get("/api/v1/parks").handler(new ApiKeyHandler(apiKeys, metrics, "parks:read"))
        .handler(ctx -> views.handleList(ctx, intParam(ctx, "limit", 100, 1, ParkHandler.MAX_PAGE),
            ctx.request().getParam("after"), ctx.request().getParam("node"), prefix(ctx)));
    router.get("/api/v1/parks/:parkId/events").handler(new ApiKeyHandler(apiKeys, metrics, "parks:read"))
        .handler(ctx -> views.handleEvents(ctx, parkId(ctx), intParam(ctx, "limit", 50, 1, ParkHistory.MAX_EVENTS),
            longParam(ctx, "before")));
    router.get("/api/v1/parks/:parkId/fee").handler(new ApiKeyHandler(apiKeys, metrics, "fee:read")).handler(this::handleFee);
    router.post("/api/v1/parks/:parkId/payments")
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(new ApiKeyHandler(apiKeys, metrics, "payment:write"))
        .handler(ctx -> payments.handlePost(ctx, parkId(ctx), timeoutMs(ctx), body(ctx)));
    router.get("/api/v1/parks/:parkId/payments").handler(new ApiKeyHandler(apiKeys, metrics, "payment:read"))
        .handler(ctx -> payments.handleList(ctx, parkId(ctx), intParam(ctx, "limit", 100, 1, PaymentHandler.MAX_PAGE)));
    router.get("/api/v1/payments/:paymentId").handler(new ApiKeyHandler(apiKeys, metrics, "payment:read"))
        .handler(ctx -> payments.handleGet(ctx, paymentId(ctx)));
    router.post("/api/v1/payments/:paymentId/cancel").handler(new ApiKeyHandler(apiKeys, metrics, "payment:write"))
        .handler(ctx -> payments.handleCancel(ctx, paymentId(ctx)));
    WebhookHandler deliveries = new WebhookHandler(webhooks);
    router.get("/api/v1/webhooks/deliveries").handler(new ApiKeyHandler(apiKeys, metrics, "webhooks:read"))
        .handler(ctx -> deliveries.handleList(ctx, intParam(ctx, "limit", 100, 1, WebhookHandler.MAX_PAGE)));
    router.post("/api/v1/webhooks/deliveries/:deliveryId/resend")
        .handler(new ApiKeyHandler(apiKeys, metrics, "webhooks:write"))
        .handler(ctx -> deliveries.handleResend(ctx, ctx.pathParam("deliveryId")));
    router.get("/api/v1/parks/:parkId").handler(new ApiKeyHandler(apiKeys, metrics, "parks:read"))
        .handler(ctx -> views.handleStatus(ctx, parkId(ctx)));
    router.route().failureHandler(errors);
    router.errorHandler(404, errors);
    router.errorHandler(405, errors);
    router.errorHandler(500, errors);
    return router;
  }

  /** Every request gets an id (the caller's X-Request-Id when it sends a sane one), echoed back. */
  private static void tagRequest(RoutingContext ctx) {
    String id = ctx.request().getHeader(REQUEST_ID_HEADER);
    if (id == null || !id.matches("[A-Za-z0-9._-]{1,64}")) {
      id = REQUEST_ID_PREFIX + Long.toHexString(REQUEST_COUNTER.incrementAndGet());
    }
    ctx.put(REQUEST_ID, id);
    ctx.response().putHeader(REQUEST_ID_HEADER, id);
    ctx.next();
  }

  private void handleFee(RoutingContext ctx) {
    String parkId = parkId(ctx);
    long timeout = timeoutMs(ctx);
    JsonObject params = new JsonObject();
    putOptional(params, "lane", ctx.request().getParam("lane"));
    putOptional(params, "plate", ctx.request().getParam("plate"));
    parks.call(parkId, ControllerMethods.FEE_QUERY, params, timeout)
        // the result is this request's own (the bus copied it, or decoded it off the wire)
        .onSuccess(result -> json(ctx, 200, result.put("parkId", parkId)))
        .onFailure(ctx::fail);
  }

  private static int intParam(RoutingContext ctx, String name, int dflt, int min, int max) {
    String raw = ctx.request().getParam(name);
    if (raw == null) {
      return dflt;
    }
    try {
      int v = Integer.parseInt(raw);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw badRequest(name + " must be an integer from " + min + " to " + max);
  }

  private static Long longParam(RoutingContext ctx, String name) {
    String raw = ctx.request().getParam(name);
    if (raw == null) {
      return null;
    }
    try {
      long v = Long.parseLong(raw);
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw badRequest(name + " must be a positive integer (the next of the previous page)");
  }

  private static String nodeId(RoutingContext ctx) {
    String id = ctx.pathParam("nodeId");
    if (id == null || !id.matches("[A-Za-z0-9-]{1,64}")) {
      throw badRequest("nodeId must be a cluster member ID (GET /api/v1/cluster lists them)");
    }
    return id;
  }

  /** A park-ID prefix to filter by: what a park ID may start with, or absent. */
  private static String prefix(RoutingContext ctx) {
    String prefix = ctx.request().getParam("prefix");
    if (prefix == null || prefix.isEmpty()) {
      return null;
    }
    if (!ParkIds.isValid(prefix)) {
      throw badRequest("prefix must match " + ParkIds.PATTERN.pattern());
    }
    return prefix;
  }

  // ---- input checks: each throws a BAD_REQUEST that the router hands to ErrorHandler -----------

  private static String parkId(RoutingContext ctx) {
    String parkId = ctx.pathParam("parkId");
    if (!ParkIds.isValid(parkId)) {
      throw badRequest("parkId must match " + ParkIds.PATTERN.pattern());
    }
    return parkId;
  }

  private static String paymentId(RoutingContext ctx) {
    String id = ctx.pathParam("paymentId");
    if (id == null || id.isEmpty() || id.length() > 128) {
      throw badRequest("paymentId must be 1 to 128 characters");
    }
    return id;
  }

  private long timeoutMs(RoutingContext ctx) {
    String raw = ctx.request().getParam("timeoutMs");
    if (raw == null) {
      return config.defaultTimeoutMs();
    }
    try {
      long t = Long.parseLong(raw);
      if (t >= 1 && t <= config.maxTimeoutMs()) {
        return t;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw badRequest("timeoutMs must be an integer from 1 to " + config.maxTimeoutMs());
  }

  private static JsonObject body(RoutingContext ctx) {
    return StrictJson.parseObject(ctx.body().buffer());
  }

  static String optionalString(JsonObject body, String key) {
    Object v = body.getValue(key);
    if (v != null && !(v instanceof String)) {
      throw badRequest(key + " must be a string");
    }
    return (String) v;
  }

  static void putOptional(JsonObject params, String key, String value) {
    if (value == null) {
      return;
    }
    if (value.length() > 64) {
      throw badRequest(key + " must be at most 64 characters");
    }
    params.put(key, value);
  }

  static GatewayException badRequest(String message) {
    return new GatewayException(ErrorCode.BAD_REQUEST, message);
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.toBuffer());
  }
}
