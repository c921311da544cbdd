package io.parkgate.config;

import static io.parkgate.config.Settings.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The resolved settings of a node, immutable and checked on construction: a typed view over the
 * table in {@link Settings}, read with {@link #get(Setting)}. The named accessors below are one-line
 * views kept for the existing call sites (a new setting needs none: {@code config.get(Settings.X)});
 * they hold no names, defaults or checks. Derived values ({@link #listenInstances()},
 * {@link #idleTimeoutMs()}) are methods here.
 */
public final class ParkgateConfig {

  /** By {@link Setting#index}: a lookup in a map showed in request profiles (issue 16), an array read does not. */
  private final Object[] values;
  private final Map<Setting<?>, String> sources;

  private ParkgateConfig(Map<Setting<?>, Object> values, Map<Setting<?>, String> sources) {
    this.values = new Object[Settings.ALL.size()];
    values.forEach((setting, value) -> this.values[setting.index()] = setting.type().cast(value));
    this.sources = Collections.unmodifiableMap(new IdentityHashMap<>(sources));
  }

  /** The value of a setting (null where the setting allows unset, e.g. a port that is off). */
  @SuppressWarnings("unchecked")
  public <T> T get(Setting<T> setting) {
    return (T) values[setting.index()];
  }

  /** Where the value came from: default, file, env NAME, flag, or set in code. */
  public String source(Setting<?> setting) {
    return sources.get(setting);
  }

  /** {@code listen.instances} with 0 resolved to one per core: the only place that rule lives. */
  public int listenInstances() {
    int n = get(LISTEN_INSTANCES);
    return n == 0 ? Math.max(1, Runtime.getRuntime().availableProcessors()) : n;
  }

  /** HTTP verticle instances (each on its own event loop). */
  public int httpInstances() {
    return listenInstances();
  }

  /** Controller verticle instances (sessions spread over them). */
  public int controllerInstances() {
    return listenInstances();
  }

  /** Frames must arrive at least this often, or the session is closed as idle. */
  public long idleTimeoutMs() {
    return heartbeatIntervalMs() * idleHeartbeats();
  }

  public String bindHost() { return get(LISTEN_BIND_HOST); }
  /** Null = no HTTP listener; 0 = any free port. */
  public Integer httpPort() { return get(HTTP_PORT); }
  public int maxBodyBytes() { return get(HTTP_MAX_BODY_BYTES); }
  public int maxHttpConnections() { return get(HTTP_MAX_CONNECTIONS); }
  public long httpBodyTimeoutMs() { return get(HTTP_BODY_TIMEOUT_MS); }
  public boolean insecureNoApiKeys() { return get(HTTP_INSECURE_NO_API_KEYS); }
  public long defaultTimeoutMs() { return get(REQUESTS_DEFAULT_TIMEOUT_MS); }
  public long maxTimeoutMs() { return get(REQUESTS_MAX_TIMEOUT_MS); }
  public int maxInFlightPerPark() { return get(REQUESTS_MAX_IN_FLIGHT_PER_PARK); }
  public long paymentRetentionMs() { return get(PAYMENTS_RETENTION_MS); }
  public String paymentStore() { return get(PAYMENTS_STORE); }
  public int paymentDefaultValidForS() { return get(PAYMENTS_DEFAULT_VALID_FOR_S); }
  public int paymentMaxValidForS() { return get(PAYMENTS_MAX_VALID_FOR_S); }
  public long paymentAttemptTimeoutMs() { return get(PAYMENTS_ATTEMPT_TIMEOUT_MS); }
  public long paymentStoreTimeoutMs() { return get(PAYMENTS_STORE_TIMEOUT_MS); }
  public int flappingMaxSessions() { return get(CONTROLLERS_FLAPPING_MAX_SESSIONS); }
  public long flappingWindowMs() { return get(CONTROLLERS_FLAPPING_WINDOW_S) * 1000L; }
  public long flappingBanMs() { return get(CONTROLLERS_FLAPPING_BAN_S) * 1000L; }
  public long historyRetentionMs() { return get(HISTORY_RETENTION_S) * 1000L; }
  public long eventsRetentionMs() { return get(EVENTS_RETENTION_S) * 1000L; }
  public int maxEventsInFlight() { return get(EVENTS_MAX_IN_FLIGHT_PER_CONNECTION); }
  public int maxEventsPerSecond() { return get(EVENTS_MAX_PER_SECOND_PER_CONNECTION); }
  public String postgresUri() { return get(PAYMENTS_POSTGRES_URI); }
  public int postgresPoolSize() { return get(PAYMENTS_POSTGRES_POOL_SIZE); }
  public String postgresPassword() { return get(POSTGRES_PASSWORD); }
  /** Null = no controller listener; 0 = any free port. */
  public Integer controllerPort() { return get(CONTROLLERS_PORT); }
  public long heartbeatIntervalMs() { return get(CONTROLLERS_HEARTBEAT_INTERVAL_MS); }
  public int idleHeartbeats() { return get(CONTROLLERS_IDLE_HEARTBEATS); }
  public long helloTimeoutMs() { return get(CONTROLLERS_HELLO_TIMEOUT_MS); }
  public int maxLineBytes() { return get(CONTROLLERS_MAX_LINE_BYTES); }
  public int maxControllerConnections() { return get(CONTROLLERS_MAX_CONNECTIONS); }
  public int maxControllerConnectionsPerSource() { return get(CONTROLLERS_MAX_CONNECTIONS_PER_SOURCE); }
  public String tlsCertPath() { return get(CONTROLLERS_TLS_CERT); }
  public boolean rebalanceOnJoin() { return get(CONTROLLERS_REBALANCE_ON_JOIN); }
  public int rebalanceMovesPerSecond() { return get(CONTROLLERS_REBALANCE_MOVES_PER_SECOND); }
  public long rebalanceJoinDelayMs() { return get(CONTROLLERS_REBALANCE_JOIN_DELAY_S) * 1000L; }
  public long tlsReloadCheckMs() { return get(CONTROLLERS_TLS_RELOAD_CHECK_S) * 1000L; }
  public boolean controllerProxyProtocol() { return get(CONTROLLERS_PROXY_PROTOCOL); }
  public boolean legacyProxyProtocol() { return get(LEGACY_PROXY_PROTOCOL); }
  public String tlsKeyPath() { return get(CONTROLLERS_TLS_KEY); }
  public boolean insecureAcceptAnyToken() { return get(CONTROLLERS_INSECURE_ACCEPT_ANY_TOKEN); }
  /** Null = no legacy listener; 0 = any free port. */
  public Integer legacyPort() { return get(LEGACY_PORT); }

  /** A listener's port as a {@link ListenPort} (off, any free port, or a fixed one). */
  public ListenPort listenPort(ListenPort.Listener listener) {
    return new ListenPort(listener, switch (listener) {
      case CONTROLLER -> controllerPort();
      case HTTP -> httpPort();
      case LEGACY -> legacyPort();
    });
  }
  public List<String> legacyAllowedParks() { return get(LEGACY_ALLOWED_PARKS); }
  public List<String> legacyAllowedSources() { return get(LEGACY_ALLOWED_SOURCES); }
  public int legacyQueueLimit() { return get(LEGACY_QUEUE_LIMIT); }
  public String legacyCurrency() { return get(LEGACY_CURRENCY); }
  /** Null = {@code cluster.xml} from the classpath. */
  public String clusterConfig() { return get(CLUSTER_CONFIG); }
  public String clusterHost() { return get(CLUSTER_HOST); }
  public int clusterPort() { return get(CLUSTER_PORT); }
  /** Null = the name in the Hazelcast XML. */
  public String clusterName() { return get(CLUSTER_NAME); }
  public long drainGraceMs() { return get(DRAIN_GRACE_MS); }
  public String tokenSecret() { return get(TOKEN_SECRET); }
  public String tokenSecretPrevious() { return get(TOKEN_SECRET_PREVIOUS); }
  public String apiKeys() { return get(API_KEYS); }
  /** Null = derived from {@link #tokenSecret()}. */
  public String clusterSecret() { return get(CLUSTER_SECRET); }
  public String clusterSecretPrevious() { return get(CLUSTER_SECRET_PREVIOUS); }

  /** Every setting, secrets replaced by "***", for printing and logging. */
  @Override
  public String toString() {
    return Settings.ALL.stream().map(s -> s.key() + "=" + s.shown(get(s)))
        .collect(Collectors.joining(", ", "ParkgateConfig[", "]"));
  }

  /** A builder starting from the table's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Sets settings by table row ({@link #set(Setting, Object)}); the named methods are conveniences
   * for tests, each one line over {@code set}.
   */
  public static final class Builder {
    private final Map<Setting<?>, Object> values = new IdentityHashMap<>();
    private final Map<Setting<?>, String> sources = new IdentityHashMap<>();

    private Builder() {
      for (Setting<?> s : Settings.ALL) {
        values.put(s, s.defaultValue());
        sources.put(s, "default");
      }
    }

    public <T> Builder set(Setting<T> setting, T value) {
      return put(setting, value, "set in code");
    }

    /** Parses {@code raw} as {@code setting}'s type; throws IllegalArgumentException naming the value. */
    Builder parse(Setting<?> setting, String raw, String source) {
      return put(setting, setting.parse(raw), source);
    }

    private Builder put(Setting<?> setting, Object value, String source) {
      values.put(setting, value);
      sources.put(setting, source);
      return this;
    }

    public Builder bindHost(String v) { return set(LISTEN_BIND_HOST, v); }
    public Builder instances(int v) { return set(LISTEN_INSTANCES, v); }
    public Builder httpPort(Integer v) { return set(HTTP_PORT, v); }
    public Builder controllerPort(Integer v) { return set(CONTROLLERS_PORT, v); }
    public Builder legacyPort(Integer v) { return set(LEGACY_PORT, v); }
    public Builder heartbeatIntervalMs(long v) { return set(CONTROLLERS_HEARTBEAT_INTERVAL_MS, v); }
    public Builder idleHeartbeats(int v) { return set(CONTROLLERS_IDLE_HEARTBEATS, v); }
    public Builder helloTimeoutMs(long v) { return set(CONTROLLERS_HELLO_TIMEOUT_MS, v); }
    public Builder maxLineBytes(int v) { return set(CONTROLLERS_MAX_LINE_BYTES, v); }
    public Builder maxControllerConnections(int v) { return set(CONTROLLERS_MAX_CONNECTIONS, v); }
    public Builder maxControllerConnectionsPerSource(int v) { return set(CONTROLLERS_MAX_CONNECTIONS_PER_SOURCE, v); }
    public Builder tlsCertPath(String v) { return set(CONTROLLERS_TLS_CERT, v); }
    public Builder tlsKeyPath(String v) { return set(CONTROLLERS_TLS_KEY, v); }
    public Builder tlsReloadCheckS(int v) { return set(CONTROLLERS_TLS_RELOAD_CHECK_S, v); }
    public Builder rebalance(boolean onJoin, int movesPerSecond, int joinDelayS) {
      set(CONTROLLERS_REBALANCE_ON_JOIN, onJoin);
      set(CONTROLLERS_REBALANCE_MOVES_PER_SECOND, movesPerSecond);
      return set(CONTROLLERS_REBALANCE_JOIN_DELAY_S, joinDelayS);
    }
    public Builder proxyProtocol(boolean controllers, boolean legacy) {
      set(CONTROLLERS_PROXY_PROTOCOL, controllers);
      return set(LEGACY_PROXY_PROTOCOL, legacy);
    }
    public Builder maxInFlightPerPark(int v) { return set(REQUESTS_MAX_IN_FLIGHT_PER_PARK, v); }
    public Builder flapping(int maxSessions, int windowS, int banS) {
      set(CONTROLLERS_FLAPPING_MAX_SESSIONS, maxSessions);
      set(CONTROLLERS_FLAPPING_WINDOW_S, windowS);
      return set(CONTROLLERS_FLAPPING_BAN_S, banS);
    }
    public Builder legacyAllowedParks(List<String> v) { return set(LEGACY_ALLOWED_PARKS, List.copyOf(v)); }
    public Builder legacyAllowedSources(List<String> v) { return set(LEGACY_ALLOWED_SOURCES, List.copyOf(v)); }
    public Builder legacyQueueLimit(int v) { return set(LEGACY_QUEUE_LIMIT, v); }
    public Builder clusterName(String v) { return set(CLUSTER_NAME, v); }
    public Builder drainGraceMs(long v) { return set(DRAIN_GRACE_MS, v); }
    public Builder tokenSecret(String v) { return set(TOKEN_SECRET, v); }
    public Builder tokenSecretPrevious(String v) { return set(TOKEN_SECRET_PREVIOUS, v); }
    public Builder apiKeys(String v) { return set(API_KEYS, v); }
    public Builder clusterSecret(String v) { return set(CLUSTER_SECRET, v); }
    public Builder clusterSecretPrevious(String v) { return set(CLUSTER_SECRET_PREVIOUS, v); }

    /** @throws ConfigException naming every bad setting, why, and where its value came from */
    public ParkgateConfig build() {
      List<String> errors = new ArrayList<>();
      for (Setting<?> s : Settings.ALL) {
        String problem = s.problem(values.get(s));
        if (problem != null) {
          errors.add(s.name() + ": " + problem + " (" + sources.get(s) + ")");
        }
      }
      ParkgateConfig config = new ParkgateConfig(values, sources);
      errors.addAll(SettingRules.relations(config));
      if (!errors.isEmpty()) {
        throw new ConfigException(String.join("; ", errors));
      }
      return config;
    }
  }
}
