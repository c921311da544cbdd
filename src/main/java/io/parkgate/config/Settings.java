package io.parkgate.config;

import static io.parkgate.config.Setting.Check.ANY;
import static io.parkgate.config.Setting.Check.atLeast;
import static io.parkgate.config.Setting.Check.minLengthWhenSet;
import static io.parkgate.config.Setting.Check.notBlank;
import static io.parkgate.config.Setting.Check.range;
import static io.parkgate.config.Setting.Check.readableFile;
import static io.parkgate.config.Setting.Type.BOOL;
import static io.parkgate.config.Setting.Type.INT;
import static io.parkgate.config.Setting.Type.JSON_ARRAY;
import static io.parkgate.config.Setting.Type.LIST;
import static io.parkgate.config.Setting.Type.LONG;
import static io.parkgate.config.Setting.Type.PORT;
import static io.parkgate.config.Setting.Type.STRING;

import io.parkgate.security.Allowlist;
import io.parkgate.security.ApiKeys;
import io.parkgate.webhook.WebhookSecrets;
import io.parkgate.webhook.WebhookSubscription;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;

/**
 * Every setting of a node, in one table: its key in {@code conf/parkgate.yaml}, its environment
 * variable, its flag, its typed default, its check and its description. The flags
 * ({@code NodeOptions}), the YAML file and the README's table ({@link SettingsDoc}), the
 * {@code config} command and {@link ParkgateConfig} are made from it. Precedence, lowest first:
 * default, YAML file, environment, command-line flag ({@link SettingsResolution} reads them). Secrets are environment-only (never in the
 * YAML file, which ends up in a ConfigMap; no flag, flags show in {@code ps}) and are masked
 * whenever the configuration is printed.
 *
 * <p>Adding a setting: one row here, and its use ({@code config.get(Settings.X)}).
 */
public final class Settings {

  /** The environment variable naming the YAML file (default conf/parkgate.yaml when present). */
  public static final String CONFIG_FILE_ENV = "PARKGATE_CONFIG";

  // filled by add(), in table order: declared before the rows
  private static final List<Setting<?>> TABLE = new ArrayList<>();

  private static final int MAX_LINE_LIMIT = 1 << 20;

  public static final Setting<String> LISTEN_BIND_HOST = add("listen.bindHost", "PARKGATE_BIND_HOST", "--bind-host",
      STRING, "0.0.0.0", notBlank(), "interface the HTTP, controller and legacy listeners bind");
  /** 0 = one per core: {@link ParkgateConfig#listenInstances()} resolves it. */
  public static final Setting<Integer> LISTEN_INSTANCES = add("listen.instances", "PARKGATE_INSTANCES", "--instances",
      INT, 0, range(0, 64), "verticle instances per listener; 0 = one per CPU core");

  public static final Setting<Integer> HTTP_PORT = add("http.port", "PARKGATE_HTTP_PORT", "--http-port",
      PORT, 8080, ANY, "HTTP API; 0 = any free port; off = no HTTP listener");
  public static final Setting<Integer> HTTP_MAX_BODY_BYTES = add("http.maxBodyBytes", "PARKGATE_MAX_BODY_BYTES",
      "--max-body-bytes", INT, 16 * 1024, atLeast(256), "larger request bodies answer 413");
  public static final Setting<Integer> HTTP_MAX_CONNECTIONS = add("http.maxConnections",
      "PARKGATE_MAX_HTTP_CONNECTIONS", "--max-http-connections", INT, 4_096, atLeast(1),
      "HTTP connections per node; more are closed at once");
  public static final Setting<Long> HTTP_BODY_TIMEOUT_MS = add("http.bodyTimeoutMs", "PARKGATE_HTTP_BODY_TIMEOUT_MS",
      "--http-body-timeout-ms", LONG, 10_000L, atLeast(100), "a request body must be complete this soon after its head");
  public static final Setting<Boolean> HTTP_INSECURE_NO_API_KEYS = add("http.insecureNoApiKeys",
      "PARKGATE_INSECURE_NO_API_KEYS", "--insecure-no-api-keys", BOOL, false, ANY,
      "development only; serve the API without keys");

  public static final Setting<Long> REQUESTS_DEFAULT_TIMEOUT_MS = add("requests.defaultTimeoutMs",
      "PARKGATE_REQUEST_TIMEOUT_MS", "--request-timeout-ms", LONG, 3_000L, atLeast(1),
      "timeout of a request that gives no timeoutMs; at most requests.maxTimeoutMs");
  public static final Setting<Long> REQUESTS_MAX_TIMEOUT_MS = add("requests.maxTimeoutMs",
      "PARKGATE_MAX_REQUEST_TIMEOUT_MS", "--max-request-timeout-ms", LONG, 30_000L, atLeast(1),
      "largest timeoutMs a caller may ask for");
  public static final Setting<Integer> REQUESTS_MAX_IN_FLIGHT_PER_PARK = add("requests.maxInFlightPerPark",
      "PARKGATE_MAX_IN_FLIGHT", "--max-in-flight", INT, 64, atLeast(1),
      "requests waiting on one park before 503 GATE_BUSY");

  public static final Setting<Long> PAYMENTS_RETENTION_MS = add("payments.retentionMs", "PARKGATE_PAYMENT_RETENTION_MS",
      "--payment-retention-ms", LONG, 24 * 3600 * 1000L, atLeast(60_000),
      "how long a final payment record is kept for retries and reconciliation (24 h)");
  public static final Setting<String> PAYMENTS_STORE = add("payments.store", "PARKGATE_PAYMENT_STORE",
      "--payment-store", STRING, "cluster",
      Setting.Check.matches("cluster|postgres", "cluster, postgres", "must be cluster or postgres"),
      "where payment records live: cluster (survives one node's death, not a full cluster restart) or postgres");
  public static final Setting<String> PAYMENTS_POSTGRES_URI = add("payments.postgres.uri", "PARKGATE_POSTGRES_URI",
      "--postgres-uri", STRING, null, ANY,
      "postgresql://user@host:5432/database for payments.store=postgres; the password goes in PARKGATE_POSTGRES_PASSWORD");
  public static final Setting<Integer> PAYMENTS_POSTGRES_POOL_SIZE = add("payments.postgres.poolSize",
      "PARKGATE_POSTGRES_POOL_SIZE", "--postgres-pool-size", INT, 8, range(1, 256),
      "database connections per node");
  public static final Setting<Integer> PAYMENTS_DEFAULT_VALID_FOR_S = add("payments.defaultValidForS",
      "PARKGATE_PAYMENT_VALID_FOR_S", "--payment-valid-for-s", INT, 600, atLeast(1),
      "how long a payment is delivered when the POST gives no validForS; at most payments.maxValidForS");
  public static final Setting<Integer> PAYMENTS_MAX_VALID_FOR_S = add("payments.maxValidForS",
      "PARKGATE_PAYMENT_MAX_VALID_FOR_S", "--payment-max-valid-for-s", INT, 3_600, atLeast(1),
      "largest validForS a caller may ask for");
  public static final Setting<Long> PAYMENTS_ATTEMPT_TIMEOUT_MS = add("payments.attemptTimeoutMs",
      "PARKGATE_PAYMENT_ATTEMPT_TIMEOUT_MS", "--payment-attempt-timeout-ms", LONG, 10_000L, atLeast(100),
      "how long one delivery attempt waits for the gate's answer before it is sent again");
  public static final Setting<Long> PAYMENTS_STORE_TIMEOUT_MS = add("payments.storeTimeoutMs",
      "PARKGATE_PAYMENT_STORE_TIMEOUT_MS", "--payment-store-timeout-ms", LONG, 2_000L, atLeast(10),
      "a store operation slower than this answers 503 STORE_UNAVAILABLE");

  public static final Setting<Integer> CONTROLLERS_PORT = formerly(add("controllers.port", "PARKGATE_CONTROLLER_PORT",
      "--controller-port", PORT, 8282, ANY, "protocol v1 listener; 0 = any free port; off = none"),
      "PARKGATE_DEVICE_PORT", "--device-port");
  public static final Setting<Long> CONTROLLERS_HEARTBEAT_INTERVAL_MS = add("controllers.heartbeatIntervalMs",
      "PARKGATE_HEARTBEAT_INTERVAL_MS", "--heartbeat-interval-ms", LONG, 5_000L, atLeast(100),
      "told to controllers in the hello result");
  public static final Setting<Integer> CONTROLLERS_IDLE_HEARTBEATS = add("controllers.idleHeartbeats",
      "PARKGATE_IDLE_HEARTBEATS", null, INT, 3, atLeast(2), "silent intervals before a session is closed");
  public static final Setting<Long> CONTROLLERS_HELLO_TIMEOUT_MS = add("controllers.helloTimeoutMs",
      "PARKGATE_HELLO_TIMEOUT_MS", "--hello-timeout-ms", LONG, 10_000L, atLeast(100),
      "time a new connection has to say hello");
  public static final Setting<Integer> CONTROLLERS_MAX_LINE_BYTES = add("controllers.maxLineBytes",
      "PARKGATE_MAX_LINE_BYTES", "--max-line-bytes", INT, 16 * 1024, range(256, MAX_LINE_LIMIT),
      "longer lines close the connection");
  public static final Setting<Integer> CONTROLLERS_MAX_CONNECTIONS = add("controllers.maxConnections",
      "PARKGATE_MAX_CONTROLLER_CONNECTIONS", "--max-controller-connections", INT, 20_000, atLeast(1),
      "controller connections per node (v1 and legacy together); more are closed at once");
  public static final Setting<Integer> CONTROLLERS_MAX_CONNECTIONS_PER_SOURCE = add(
      "controllers.maxConnectionsPerSource", "PARKGATE_MAX_CONTROLLER_CONNECTIONS_PER_SOURCE",
      "--max-controller-connections-per-source", INT, 2_000, atLeast(1),
      "controller connections per source IP per node (NAT gateways carry many parks)");
  public static final Setting<String> CONTROLLERS_TLS_CERT = add("controllers.tls.cert", "PARKGATE_TLS_CERT",
      "--tls-cert", STRING, null, readableFile(), "PEM certificate chain; when set, the v1 port speaks TLS only");
  public static final Setting<String> CONTROLLERS_TLS_KEY = add("controllers.tls.key", "PARKGATE_TLS_KEY",
      "--tls-key", STRING, null, readableFile(), "PEM private key for the certificate");
  public static final Setting<Integer> CONTROLLERS_FLAPPING_MAX_SESSIONS = add(
      "controllers.flapping.maxSessionsPerMinute", "PARKGATE_FLAPPING_MAX_SESSIONS", "--flapping-max-sessions", INT, 10,
      atLeast(1), "more sessions of one park opened within the window (60 s) make it flapping");
  public static final Setting<Integer> CONTROLLERS_FLAPPING_WINDOW_S = add("controllers.flapping.windowS",
      "PARKGATE_FLAPPING_WINDOW_S", "--flapping-window-s", INT, 60, range(1, 3_600),
      "the window maxSessionsPerMinute counts in; change it only to test");
  public static final Setting<Integer> CONTROLLERS_FLAPPING_BAN_S = add("controllers.flapping.banS",
      "PARKGATE_FLAPPING_BAN_S", "--flapping-ban-s", INT, 0, range(0, 86_400),
      "refuse a flapping park's hellos this long (-32008 with retryAfterMs); 0 = never");
  public static final Setting<Integer> HISTORY_RETENTION_S = add("history.retentionS", "PARKGATE_HISTORY_RETENTION_S",
      "--history-retention-s", INT, 7 * 24 * 3600, atLeast(60),
      "a park's events (its last 100) are kept at least this long after the newest (7 days)");
  public static final Setting<Integer> EVENTS_RETENTION_S = add("events.retentionS", "PARKGATE_EVENTS_RETENTION_S",
      "--events-retention-s", INT, 7 * 24 * 3600, atLeast(60),
      "gate-reported events (event.report) are kept this long after they were stored, and a repeat of one"
          + " within it is answered without storing it again (7 days)");
  public static final Setting<Integer> EVENTS_MAX_IN_FLIGHT_PER_CONNECTION = add("events.maxInFlightPerConnection",
      "PARKGATE_EVENTS_MAX_IN_FLIGHT", "--events-max-in-flight", INT, 16, range(1, 1_024),
      "event.report requests one controller may have unanswered; more are refused at once with -32011 (told in"
          + " the hello's answer)");
  public static final Setting<Integer> EVENTS_MAX_PER_SECOND_PER_CONNECTION = add("events.maxPerSecondPerConnection",
      "PARKGATE_EVENTS_MAX_PER_SECOND", "--events-max-per-second", INT, 200, range(1, 100_000),
      "event.report requests one connection gets stored per second at most: a gate's backlog after an outage"
          + " drains at this pace, so it cannot take the node from other parks (a live gate reports far fewer)");
  public static final Setting<Boolean> CONTROLLERS_REBALANCE_ON_JOIN = add("controllers.rebalance.onJoin",
      "PARKGATE_REBALANCE_ON_JOIN", "--rebalance-on-join", BOOL, true, ANY,
      "when a node joins, nodes above the mean ask their excess controllers to reconnect (to it, through the balancer)");
  public static final Setting<Integer> CONTROLLERS_REBALANCE_MOVES_PER_SECOND = add(
      "controllers.rebalance.movesPerSecond", "PARKGATE_REBALANCE_MOVES_PER_SECOND", "--rebalance-moves-per-second",
      INT, 20, range(1, 10_000), "controllers one node asks to move per second when rebalancing or evacuating");
  public static final Setting<Integer> CONTROLLERS_REBALANCE_JOIN_DELAY_S = add("controllers.rebalance.joinDelayS",
      "PARKGATE_REBALANCE_JOIN_DELAY_S", "--rebalance-join-delay-s", INT, 15, range(0, 3_600),
      "how long after a node joins the rebalance starts (the new node must be ready and in the balancer)");
  public static final Setting<Boolean> CONTROLLERS_PROXY_PROTOCOL = add("controllers.proxyProtocol",
      "PARKGATE_CONTROLLER_PROXY_PROTOCOL", "--controller-proxy-protocol", BOOL, false, ANY,
      "every v1 connection starts with a PROXY protocol header (v1 or v2) naming the controller's own"
          + " address; only behind a balancer that sends it (connections without one are closed)");
  public static final Setting<Integer> CONTROLLERS_TLS_RELOAD_CHECK_S = add("controllers.tls.reloadCheckS",
      "PARKGATE_TLS_RELOAD_CHECK_S", "--tls-reload-check-s", INT, 60, range(1, 86_400),
      "how often the certificate files are checked; a renewed pair is taken for new connections without a restart");
  public static final Setting<Boolean> CONTROLLERS_INSECURE_ACCEPT_ANY_TOKEN = add("controllers.insecureAcceptAnyToken",
      "PARKGATE_INSECURE_ACCEPT_ANY_TOKEN", "--insecure-accept-any-token", BOOL, false, ANY,
      "development only; skip token checks");

  public static final Setting<Integer> LEGACY_PORT = add("legacy.port", "PARKGATE_LEGACY_PORT", "--legacy-port",
      PORT, null, ANY, "legacy text-protocol listener; off by default");
  public static final Setting<List<String>> LEGACY_ALLOWED_PARKS = add("legacy.allowedParks",
      "PARKGATE_LEGACY_ALLOWED_PARKS", "--legacy-allowed-parks", LIST, List.of(), ANY,
      "park IDs or prefixes ending in *; empty = none");
  public static final Setting<List<String>> LEGACY_ALLOWED_SOURCES = add("legacy.allowedSources",
      "PARKGATE_LEGACY_ALLOWED_SOURCES", "--legacy-allowed-sources", LIST, List.of(),
      Setting.Check.parses("IPs or CIDR blocks", (List<String> v) -> new Allowlist(List.of(), v)),
      "IPs or CIDR blocks; empty = none");
  public static final Setting<Boolean> LEGACY_PROXY_PROTOCOL = add("legacy.proxyProtocol",
      "PARKGATE_LEGACY_PROXY_PROTOCOL", "--legacy-proxy-protocol", BOOL, false, ANY,
      "as controllers.proxyProtocol, for the legacy listener");
  public static final Setting<Integer> LEGACY_QUEUE_LIMIT = add("legacy.queueLimit", "PARKGATE_LEGACY_QUEUE_LIMIT",
      "--legacy-queue-limit", INT, 16, range(1, 1024), "requests waiting per legacy park before GATE_BUSY");
  public static final Setting<String> LEGACY_CURRENCY = add("legacy.currency", "PARKGATE_LEGACY_CURRENCY",
      "--legacy-currency", STRING, "CNY",
      Setting.Check.matches("[A-Z]{3}", "ISO 4217", "must be an ISO 4217 code such as CNY"),
      "currency reported for legacy amounts");

  public static final Setting<String> CLUSTER_CONFIG = add("cluster.config", "PARKGATE_CLUSTER_CONFIG",
      "--cluster-config", STRING, null, ANY, "Hazelcast XML; empty = conf/cluster.xml packaged in the jar");
  public static final Setting<String> CLUSTER_HOST = add("cluster.host", "PARKGATE_CLUSTER_HOST", "--cluster-host",
      STRING, "127.0.0.1", notBlank(), "event-bus address other nodes reach (the pod IP on Kubernetes)");
  public static final Setting<Integer> CLUSTER_PORT = add("cluster.port", "PARKGATE_CLUSTER_PORT", "--cluster-port",
      INT, 0, range(0, 65535), "event-bus port; 0 = any free port (fix it on Kubernetes)");
  public static final Setting<String> CLUSTER_NAME = add("cluster.name", "PARKGATE_CLUSTER_NAME", "--cluster-name",
      STRING, null, ANY, "overrides the Hazelcast cluster name; empty = the XML's (parkgate)");

  public static final Setting<Long> DRAIN_GRACE_MS = add("drain.graceMs", "PARKGATE_DRAIN_GRACE_MS", "--drain-grace-ms",
      LONG, 35_000L, range(0, 600_000),
      "on SIGTERM, time in-flight requests get before the node leaves; at least requests.maxTimeoutMs, so the longest"
          + " request can finish (the drain ends sooner once every controller has moved)");

  public static final Setting<JsonArray> WEBHOOKS_SUBSCRIPTIONS = add("webhooks.subscriptions", "PARKGATE_WEBHOOKS",
      null, JSON_ARRAY, new JsonArray(),
      Setting.Check.parses("[{url, secret, events}]", (JsonArray v) -> WebhookSubscription.parseAll(v)),
      "webhook subscriptions: [{name?, url, secret, events: [type or prefix.*]}]; secret names an entry of"
          + " PARKGATE_WEBHOOK_SECRETS (docs/webhooks.md); also accepted as a list directly under webhooks:");
  public static final Setting<Integer> WEBHOOKS_MAX_RETRY_S = add("webhooks.maxRetryS", "PARKGATE_WEBHOOK_MAX_RETRY_S",
      "--webhook-max-retry-s", INT, 86_400, range(1, 30L * 86_400),
      "a delivery not answered 2xx this long after it was queued is dead-lettered (24 h)");
  public static final Setting<Long> WEBHOOKS_FIRST_RETRY_MS = add("webhooks.firstRetryMs",
      "PARKGATE_WEBHOOK_FIRST_RETRY_MS", "--webhook-first-retry-ms", LONG, 1_000L, range(10, 3_600_000),
      "wait before the first retry; each further retry waits twice as long (with jitter), at most webhooks.maxBackoffS");
  public static final Setting<Integer> WEBHOOKS_MAX_BACKOFF_S = add("webhooks.maxBackoffS",
      "PARKGATE_WEBHOOK_MAX_BACKOFF_S", "--webhook-max-backoff-s", INT, 600, range(1, 86_400),
      "longest wait between two attempts of one delivery");
  public static final Setting<Long> WEBHOOKS_TIMEOUT_MS = add("webhooks.timeoutMs", "PARKGATE_WEBHOOK_TIMEOUT_MS",
      "--webhook-timeout-ms", LONG, 10_000L, range(100, 300_000),
      "one POST (connect, send, answer) must end within this, or it counts as failed and is retried");
  public static final Setting<Integer> WEBHOOKS_CONCURRENCY = add("webhooks.concurrency",
      "PARKGATE_WEBHOOK_CONCURRENCY", "--webhook-concurrency", INT, 16, range(1, 1_024),
      "POSTs in flight per subscription per node (each park's deliveries go one at a time, in order)");
  public static final Setting<Integer> WEBHOOKS_RETENTION_S = add("webhooks.retentionS",
      "PARKGATE_WEBHOOK_RETENTION_S", "--webhook-retention-s", INT, 7 * 86_400, atLeast(60),
      "how long delivered and dead-lettered deliveries are kept (listed, re-sendable) (7 days)");

  public static final Setting<String> TOKEN_SECRET = secret("PARKGATE_TOKEN_SECRET",
      "signs controller hello tokens; required (or controllers.insecureAcceptAnyToken)");
  public static final Setting<String> TOKEN_SECRET_PREVIOUS = secret("PARKGATE_TOKEN_SECRET_PREVIOUS",
      "the token secret being rotated out, still accepted");
  public static final Setting<String> API_KEYS = add("secrets.PARKGATE_API_KEYS", "PARKGATE_API_KEYS", null, STRING,
      null, Setting.Check.parses("name:sha256hex:scopes;...", (String v) -> new ApiKeys(v)),
      "HTTP API keys, hashes only (apikey command); required (or http.insecureNoApiKeys)", true);
  public static final Setting<String> POSTGRES_PASSWORD = add("secrets.PARKGATE_POSTGRES_PASSWORD",
      "PARKGATE_POSTGRES_PASSWORD", null, STRING, null, ANY, "the payment database's password (payments.store=postgres)",
      true);
  public static final Setting<String> WEBHOOK_SECRETS = add("secrets.PARKGATE_WEBHOOK_SECRETS",
      "PARKGATE_WEBHOOK_SECRETS", null, STRING, null,
      Setting.Check.parses("name=secret;...", (String v) -> WebhookSecrets.parse(v)),
      "the webhook subscriptions' signing secrets, name=secret;name=secret (each at least 16 characters)", true);
  public static final Setting<String> CLUSTER_SECRET = secret("PARKGATE_CLUSTER_SECRET",
      "authenticates nodes to each other; unset = derived from the token secret");
  public static final Setting<String> CLUSTER_SECRET_PREVIOUS = secret("PARKGATE_CLUSTER_SECRET_PREVIOUS",
      "the cluster secret being rotated out, still trusted");

  /**
   * The short form {@code webhooks: [{url, secret, events}]}: a list directly under
   * {@code webhooks} is {@code webhooks.subscriptions} (the other webhooks settings then come from
   * the environment or flags, since YAML cannot make one key both a list and a map).
   */
  static final String WEBHOOKS_SHORT_FORM = "webhooks";

  /** Every setting, in the order of {@code conf/parkgate.yaml}. */
  public static final List<Setting<?>> ALL = List.copyOf(TABLE);

  private Settings() {
  }

  private static <T> Setting<T> add(String key, String env, String flag, Setting.Type<T> type, T dflt,
      Setting.Check<? super T> check, String description) {
    return add(key, env, flag, type, dflt, check, description, false);
  }

  private static <T> Setting<T> add(String key, String env, String flag, Setting.Type<T> type, T dflt,
      Setting.Check<? super T> check, String description, boolean secret) {
    Setting<T> s = new Setting<>(key, env, flag, type, dflt, check, description, secret, Setting.OldNames.NONE,
        TABLE.size());
    TABLE.add(s);
    return s;
  }

  /** Replaces the last row added by the same row read under earlier names too. */
  private static <T> Setting<T> formerly(Setting<T> row, String oldEnv, String oldFlag) {
    Setting<T> renamed = row.formerly(oldEnv, oldFlag);
    TABLE.set(TABLE.indexOf(row), renamed);
    return renamed;
  }

  private static Setting<String> secret(String env, String description) {
    return add("secrets." + env, env, null, STRING, null, minLengthWhenSet(16), description, true);
  }
}
