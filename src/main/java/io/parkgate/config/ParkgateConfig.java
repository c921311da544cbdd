package io.parkgate.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Every setting of a parkgate node, immutable and validated on construction. Built by
 * {@link Builder} from defaults, environment and command-line flags ({@code io.parkgate.Main}).
 *
 * @param bindHost               interface the HTTP and controller listeners bind
 * @param httpPort               HTTP port; 0 = any free port; null = no HTTP listener
 * @param devicePort             controller port; 0 = any free port; null = no controller listener
 * @param httpInstances          HTTP verticle instances (each on its own event loop)
 * @param deviceInstances        controller verticle instances (sessions spread over them)
 * @param heartbeatIntervalMs    heartbeat interval told to controllers in the hello result
 * @param idleHeartbeats         missed heartbeat intervals before a silent session is closed
 * @param helloTimeoutMs         time a new connection has to say hello
 * @param maxLineBytes           longest accepted protocol line, in bytes
 * @param defaultTimeoutMs       request timeout when the caller gives none
 * @param maxTimeoutMs           largest timeout a caller may ask for
 * @param maxInFlightPerPark     requests in flight per park before GATE_BUSY
 * @param maxBodyBytes           largest accepted HTTP request body
 * @param clusterConfig          Hazelcast XML file; null = {@code cluster.xml} from the classpath
 * @param clusterHost            host the event bus binds and advertises to other nodes
 * @param clusterName            overrides the Hazelcast cluster name when not null
 * @param clusterPort            event-bus port (0 = any free port; fix it on Kubernetes)
 * @param drainGraceMs           on SIGTERM, how long in-flight requests get to finish
 * @param legacyPort             legacy text-protocol port; 0 = any free port; null = off
 * @param legacyAllowedParks     park IDs (or prefixes ending in *) the legacy listener accepts
 * @param legacyAllowedSources   source IPs or CIDR blocks the legacy listener accepts
 * @param legacyQueueLimit       requests waiting per legacy park (one on the wire) before GATE_BUSY
 * @param legacyCurrency         currency reported for legacy amounts
 * @param tokenSecret            cluster-wide secret controller tokens are signed with
 * @param tokenSecretPrevious    the secret being rotated out, still accepted; may be null
 * @param insecureAcceptAnyToken accept any hello token (development only); needs no secret
 * @param apiKeys                HTTP API keys as {@code name:sha256hex:scope,scope;...} (hashes only)
 * @param insecureNoApiKeys      serve the API without keys (development only)
 * @param paymentRetentionMs     how long a payment's definite answer is kept for retries
 * @param tlsCertPath            PEM certificate (chain) for the controller listener; null = plain TCP
 * @param tlsKeyPath             PEM private key matching {@code tlsCertPath}
 * @param maxControllerConnections          controller connections per node (v1 and legacy together)
 * @param maxControllerConnectionsPerSource controller connections per source IP address per node
 * @param maxHttpConnections     HTTP connections per node
 * @param httpBodyTimeoutMs      time from a request's head to the end of its body
 * @param clusterSecret          authenticates nodes to each other (event-bus TLS, record MACs); null =
 *                               derived from {@code tokenSecret}
 * @param clusterSecretPrevious  the cluster secret being rotated out, still trusted; may be null
 */
public record ParkgateConfig(
    String bindHost,
    Integer httpPort,
    Integer devicePort,
    int httpInstances,
    int deviceInstances,
    long heartbeatIntervalMs,
    int idleHeartbeats,
    long helloTimeoutMs,
    int maxLineBytes,
    long defaultTimeoutMs,
    long maxTimeoutMs,
    int maxInFlightPerPark,
    int maxBodyBytes,
    String clusterConfig,
    String clusterHost,
    String clusterName,
    int clusterPort,
    long drainGraceMs,
    Integer legacyPort,
    List<String> legacyAllowedParks,
    List<String> legacyAllowedSources,
    int legacyQueueLimit,
    String legacyCurrency,
    String tokenSecret,
    String tokenSecretPrevious,
    boolean insecureAcceptAnyToken,
    String apiKeys,
    boolean insecureNoApiKeys,
    long paymentRetentionMs,
    String tlsCertPath,
    String tlsKeyPath,
    int maxControllerConnections,
    int maxControllerConnectionsPerSource,
    int maxHttpConnections,
    long httpBodyTimeoutMs,
    String clusterSecret,
    String clusterSecretPrevious) {

  public static final String DEFAULT_BIND_HOST = "0.0.0.0";
  public static final int DEFAULT_HTTP_PORT = 8080;
  public static final int DEFAULT_DEVICE_PORT = 8282;
  public static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;
  public static final int DEFAULT_IDLE_HEARTBEATS = 3;
  public static final long DEFAULT_HELLO_TIMEOUT_MS = 10_000;
  public static final int DEFAULT_MAX_LINE_BYTES = 16 * 1024;
  public static final long DEFAULT_TIMEOUT_MS = 3_000;
  public static final long DEFAULT_MAX_TIMEOUT_MS = 30_000;
  public static final int DEFAULT_MAX_IN_FLIGHT_PER_PARK = 64;
  public static final int DEFAULT_MAX_BODY_BYTES = 16 * 1024;
  public static final String DEFAULT_CLUSTER_HOST = "127.0.0.1";
  public static final long DEFAULT_DRAIN_GRACE_MS = 10_000;
  public static final int DEFAULT_LEGACY_QUEUE_LIMIT = 16;
  public static final long DEFAULT_PAYMENT_RETENTION_MS = 24 * 3600 * 1000L;
  public static final int DEFAULT_MAX_CONTROLLER_CONNECTIONS = 20_000;
  public static final int DEFAULT_MAX_CONTROLLER_CONNECTIONS_PER_SOURCE = 2_000;
  public static final int DEFAULT_MAX_HTTP_CONNECTIONS = 4_096;
  public static final long DEFAULT_HTTP_BODY_TIMEOUT_MS = 10_000;

  public ParkgateConfig {
    List<String> errors = new ArrayList<>();
    check(errors, bindHost != null && !bindHost.isBlank(), "listen.bindHost", "must not be empty");
    check(errors, httpPort == null || (httpPort >= 0 && httpPort <= 65535), "http.port", "must be 0..65535 or off");
    check(errors, devicePort == null || (devicePort >= 0 && devicePort <= 65535), "controllers.port", "must be 0..65535 or off");
    check(errors, httpInstances >= 1 && httpInstances <= 64, "listen.instances", "must be 1..64");
    check(errors, deviceInstances >= 1 && deviceInstances <= 64, "listen.instances", "must be 1..64");
    check(errors, heartbeatIntervalMs >= 100, "controllers.heartbeatIntervalMs", "must be at least 100");
    check(errors, idleHeartbeats >= 2, "controllers.idleHeartbeats", "must be at least 2");
    check(errors, helloTimeoutMs >= 100, "controllers.helloTimeoutMs", "must be at least 100");
    check(errors, maxLineBytes >= 256 && maxLineBytes <= 1 << 20, "controllers.maxLineBytes", "must be 256..1048576");
    check(errors, maxTimeoutMs >= 1, "requests.maxTimeoutMs", "must be at least 1");
    check(errors, defaultTimeoutMs >= 1 && defaultTimeoutMs <= maxTimeoutMs, "requests.defaultTimeoutMs",
        "must be 1..requests.maxTimeoutMs (" + maxTimeoutMs + ")");
    check(errors, maxInFlightPerPark >= 1, "requests.maxInFlightPerPark", "must be at least 1");
    check(errors, maxBodyBytes >= 256, "http.maxBodyBytes", "must be at least 256");
    check(errors, clusterHost != null && !clusterHost.isBlank(), "cluster.host", "must not be empty");
    check(errors, clusterPort >= 0 && clusterPort <= 65535, "cluster.port", "must be 0..65535");
    check(errors, drainGraceMs >= 0 && drainGraceMs <= 600_000, "drain.graceMs", "must be 0..600000");
    check(errors, legacyPort == null || (legacyPort >= 0 && legacyPort <= 65535), "legacy.port", "must be 0..65535 or off");
    legacyAllowedParks = legacyAllowedParks == null ? List.of() : List.copyOf(legacyAllowedParks);
    legacyAllowedSources = legacyAllowedSources == null ? List.of() : List.copyOf(legacyAllowedSources);
    for (String source : legacyAllowedSources) {
      try {
        new io.parkgate.security.Allowlist(List.of(), List.of(source));
      } catch (IllegalArgumentException e) {
        errors.add("legacy.allowedSources: " + e.getMessage());
      }
    }
    check(errors, legacyQueueLimit >= 1 && legacyQueueLimit <= 1024, "legacy.queueLimit", "must be 1..1024");
    check(errors, legacyCurrency != null && legacyCurrency.matches("[A-Z]{3}"), "legacy.currency", "must be an ISO 4217 code such as CNY");
    check(errors, insecureAcceptAnyToken || (tokenSecret != null && tokenSecret.length() >= 16), "PARKGATE_TOKEN_SECRET",
        "required, at least 16 characters; or controllers.insecureAcceptAnyToken=true for development");
    check(errors, tokenSecretPrevious == null || tokenSecretPrevious.length() >= 16, "PARKGATE_TOKEN_SECRET_PREVIOUS",
        "at least 16 characters when set");
    try {
      boolean none = new io.parkgate.security.ApiKeys(apiKeys).isEmpty();
      check(errors, insecureNoApiKeys || !none, "PARKGATE_API_KEYS",
          "required (see the apikey command); or http.insecureNoApiKeys=true for development");
    } catch (IllegalArgumentException e) {
      errors.add("api-keys: " + e.getMessage());
    }
    check(errors, paymentRetentionMs >= 60_000, "payments.retentionMs", "must be at least 60000");
    check(errors, (tlsCertPath == null) == (tlsKeyPath == null), "controllers.tls.cert / controllers.tls.key", "set both or neither");
    check(errors, tlsCertPath == null || java.nio.file.Files.isReadable(java.nio.file.Path.of(tlsCertPath)),
        "controllers.tls.cert", "file not readable: " + tlsCertPath);
    check(errors, tlsKeyPath == null || java.nio.file.Files.isReadable(java.nio.file.Path.of(tlsKeyPath)),
        "controllers.tls.key", "file not readable: " + tlsKeyPath);
    check(errors, maxControllerConnections >= 1, "controllers.maxConnections", "must be at least 1");
    check(errors, maxControllerConnectionsPerSource >= 1, "controllers.maxConnectionsPerSource", "must be at least 1");
    check(errors, maxHttpConnections >= 1, "http.maxConnections", "must be at least 1");
    check(errors, httpBodyTimeoutMs >= 100, "http.bodyTimeoutMs", "must be at least 100");
    check(errors, clusterSecret == null || clusterSecret.length() >= 16, "PARKGATE_CLUSTER_SECRET",
        "at least 16 characters when set");
    check(errors, clusterSecretPrevious == null || clusterSecretPrevious.length() >= 16,
        "PARKGATE_CLUSTER_SECRET_PREVIOUS", "at least 16 characters when set");
    if (!errors.isEmpty()) {
      throw new ConfigException(String.join("; ", errors));
    }
  }

  private static void check(List<String> errors, boolean ok, String key, String reason) {
    if (!ok) {
      errors.add(key + ": " + reason);
    }
  }

  /** The configuration with secrets replaced by "***", for printing and logging. */
  @Override
  public String toString() {
    return "ParkgateConfig[bindHost=" + bindHost + ", httpPort=" + httpPort + ", devicePort=" + devicePort
        + ", legacyPort=" + legacyPort + ", tokenSecret=" + (tokenSecret == null ? "unset" : "***")
        + ", tokenSecretPrevious=" + (tokenSecretPrevious == null ? "unset" : "***")
        + ", apiKeys=" + (apiKeys == null ? "unset" : "***")
        + ", clusterSecret=" + (clusterSecret == null ? "unset" : "***")
        + ", clusterSecretPrevious=" + (clusterSecretPrevious == null ? "unset" : "***") + ", ...]";
  }

  /** Frames must arrive at least this often, or the session is closed as idle. */
  public long idleTimeoutMs() {
    return heartbeatIntervalMs * idleHeartbeats;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .bindHost(bindHost).httpPort(httpPort).devicePort(devicePort)
        .httpInstances(httpInstances).deviceInstances(deviceInstances)
        .heartbeatIntervalMs(heartbeatIntervalMs).idleHeartbeats(idleHeartbeats)
        .helloTimeoutMs(helloTimeoutMs).maxLineBytes(maxLineBytes)
        .defaultTimeoutMs(defaultTimeoutMs).maxTimeoutMs(maxTimeoutMs)
        .maxInFlightPerPark(maxInFlightPerPark).maxBodyBytes(maxBodyBytes)
        .clusterConfig(clusterConfig).clusterHost(clusterHost).clusterName(clusterName)
        .clusterPort(clusterPort).drainGraceMs(drainGraceMs)
        .legacyPort(legacyPort).legacyAllowedParks(legacyAllowedParks).legacyAllowedSources(legacyAllowedSources)
        .legacyQueueLimit(legacyQueueLimit).legacyCurrency(legacyCurrency)
        .tokenSecret(tokenSecret).tokenSecretPrevious(tokenSecretPrevious)
        .insecureAcceptAnyToken(insecureAcceptAnyToken)
        .apiKeys(apiKeys).insecureNoApiKeys(insecureNoApiKeys).paymentRetentionMs(paymentRetentionMs)
        .tlsCertPath(tlsCertPath).tlsKeyPath(tlsKeyPath)
        .maxControllerConnections(maxControllerConnections)
        .maxControllerConnectionsPerSource(maxControllerConnectionsPerSource)
        .maxHttpConnections(maxHttpConnections).httpBodyTimeoutMs(httpBodyTimeoutMs)
        .clusterSecret(clusterSecret).clusterSecretPrevious(clusterSecretPrevious);
  }

  /** Parses a port setting: a number 0..65535, or {@code off} (returned as null). */
  public static Integer parsePort(String key, String value) {
    Objects.requireNonNull(value, key);
    String v = value.trim();
    if (v.equalsIgnoreCase("off")) {
      return null;
    }
    try {
      int port = Integer.parseInt(v);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ConfigException(key + ": '" + value + "' is not a port (0..65535) or 'off'");
  }

  /** A mutable builder whose defaults are the documented ones. */
  public static final class Builder {
    private String bindHost = DEFAULT_BIND_HOST;
    private Integer httpPort = DEFAULT_HTTP_PORT;
    private Integer devicePort = DEFAULT_DEVICE_PORT;
    private int httpInstances = Math.max(1, Runtime.getRuntime().availableProcessors());
    private int deviceInstances = Math.max(1, Runtime.getRuntime().availableProcessors());
    private long heartbeatIntervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
    private int idleHeartbeats = DEFAULT_IDLE_HEARTBEATS;
    private long helloTimeoutMs = DEFAULT_HELLO_TIMEOUT_MS;
    private int maxLineBytes = DEFAULT_MAX_LINE_BYTES;
    private long defaultTimeoutMs = DEFAULT_TIMEOUT_MS;
    private long maxTimeoutMs = DEFAULT_MAX_TIMEOUT_MS;
    private int maxInFlightPerPark = DEFAULT_MAX_IN_FLIGHT_PER_PARK;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private String clusterConfig;
    private String clusterHost = DEFAULT_CLUSTER_HOST;
    private String clusterName;
    private int clusterPort;
    private long drainGraceMs = DEFAULT_DRAIN_GRACE_MS;
    private Integer legacyPort;
    private List<String> legacyAllowedParks = List.of();
    private List<String> legacyAllowedSources = List.of();
    private int legacyQueueLimit = DEFAULT_LEGACY_QUEUE_LIMIT;
    private String legacyCurrency = "CNY";
    private String tokenSecret;
    private String tokenSecretPrevious;
    private boolean insecureAcceptAnyToken;
    private String apiKeys;
    private boolean insecureNoApiKeys;
    private long paymentRetentionMs = DEFAULT_PAYMENT_RETENTION_MS;
    private String tlsCertPath;
    private String tlsKeyPath;
    private int maxControllerConnections = DEFAULT_MAX_CONTROLLER_CONNECTIONS;
    private int maxControllerConnectionsPerSource = DEFAULT_MAX_CONTROLLER_CONNECTIONS_PER_SOURCE;
    private int maxHttpConnections = DEFAULT_MAX_HTTP_CONNECTIONS;
    private long httpBodyTimeoutMs = DEFAULT_HTTP_BODY_TIMEOUT_MS;
    private String clusterSecret;
    private String clusterSecretPrevious;

    public Builder bindHost(String v) { bindHost = v; return this; }
    public Builder httpPort(Integer v) { httpPort = v; return this; }
    public Builder devicePort(Integer v) { devicePort = v; return this; }
    public Builder httpInstances(int v) { httpInstances = v; return this; }
    public Builder deviceInstances(int v) { deviceInstances = v; return this; }
    public Builder heartbeatIntervalMs(long v) { heartbeatIntervalMs = v; return this; }
    public Builder idleHeartbeats(int v) { idleHeartbeats = v; return this; }
    public Builder helloTimeoutMs(long v) { helloTimeoutMs = v; return this; }
    public Builder maxLineBytes(int v) { maxLineBytes = v; return this; }
    public Builder defaultTimeoutMs(long v) { defaultTimeoutMs = v; return this; }
    public Builder maxTimeoutMs(long v) { maxTimeoutMs = v; return this; }
    public Builder maxInFlightPerPark(int v) { maxInFlightPerPark = v; return this; }
    public Builder maxBodyBytes(int v) { maxBodyBytes = v; return this; }
    public Builder clusterConfig(String v) { clusterConfig = v; return this; }
    public Builder clusterHost(String v) { clusterHost = v; return this; }
    public Builder clusterName(String v) { clusterName = v; return this; }
    public Builder clusterPort(int v) { clusterPort = v; return this; }
    public Builder drainGraceMs(long v) { drainGraceMs = v; return this; }
    public Builder legacyPort(Integer v) { legacyPort = v; return this; }
    public Builder legacyAllowedParks(List<String> v) { legacyAllowedParks = v; return this; }
    public Builder legacyAllowedSources(List<String> v) { legacyAllowedSources = v; return this; }
    public Builder legacyQueueLimit(int v) { legacyQueueLimit = v; return this; }
    public Builder legacyCurrency(String v) { legacyCurrency = v; return this; }
    public Builder tokenSecret(String v) { tokenSecret = v; return this; }
    public Builder tokenSecretPrevious(String v) { tokenSecretPrevious = v; return this; }
    public Builder insecureAcceptAnyToken(boolean v) { insecureAcceptAnyToken = v; return this; }
    public Builder apiKeys(String v) { apiKeys = v; return this; }
    public Builder insecureNoApiKeys(boolean v) { insecureNoApiKeys = v; return this; }
    public Builder paymentRetentionMs(long v) { paymentRetentionMs = v; return this; }
    public Builder tlsCertPath(String v) { tlsCertPath = v; return this; }
    public Builder tlsKeyPath(String v) { tlsKeyPath = v; return this; }
    public Builder maxControllerConnections(int v) { maxControllerConnections = v; return this; }
    public Builder maxControllerConnectionsPerSource(int v) { maxControllerConnectionsPerSource = v; return this; }
    public Builder maxHttpConnections(int v) { maxHttpConnections = v; return this; }
    public Builder httpBodyTimeoutMs(long v) { httpBodyTimeoutMs = v; return this; }
    public Builder clusterSecret(String v) { clusterSecret = v; return this; }
    public Builder clusterSecretPrevious(String v) { clusterSecretPrevious = v; return this; }

    public ParkgateConfig build() {
      return new ParkgateConfig(bindHost, httpPort, devicePort, httpInstances, deviceInstances,
          heartbeatIntervalMs, idleHeartbeats, helloTimeoutMs, maxLineBytes, defaultTimeoutMs,
          maxTimeoutMs, maxInFlightPerPark, maxBodyBytes, clusterConfig, clusterHost, clusterName,
          clusterPort, drainGraceMs, legacyPort, legacyAllowedParks, legacyAllowedSources, legacyQueueLimit,
          legacyCurrency, tokenSecret, tokenSecretPrevious, insecureAcceptAnyToken, apiKeys, insecureNoApiKeys,
          paymentRetentionMs, tlsCertPath, tlsKeyPath, maxControllerConnections, maxControllerConnectionsPerSource,
          maxHttpConnections, httpBodyTimeoutMs, clusterSecret, clusterSecretPrevious);
    }
  }
}
