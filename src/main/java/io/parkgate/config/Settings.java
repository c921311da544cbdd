package io.parkgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Every setting of a node, in one table: its key in {@code conf/parkgate.yaml}, its environment
 * variable, its default, and how it lands in {@link ParkgateConfig}. Precedence, lowest first:
 * default, YAML file, environment, command-line flag. Secrets are environment-only (never in the
 * YAML file, which ends up in a ConfigMap) and are masked whenever the configuration is printed.
 */
public final class Settings {

  /** The environment variable naming the YAML file (default conf/parkgate.yaml when present). */
  public static final String CONFIG_FILE_ENV = "PARKGATE_CONFIG";

  enum Type { PORT, INT, LONG, BOOL, STRING, LIST }

  /** One setting. {@code defaultValue} null means unset. */
  record Setting(String key, String env, Type type, String defaultValue, boolean secret,
      BiConsumer<ParkgateConfig.Builder, Object> apply) {
  }

  /** Where a value came from, for {@code parkgate config}. */
  public record Resolved(String key, String env, String value, String source, boolean secret) {
    public String shown() {
      return secret && value != null ? "***" : String.valueOf(value);
    }
  }

  static final List<Setting> ALL = List.of(
      s("listen.bindHost", "PARKGATE_BIND_HOST", Type.STRING, "0.0.0.0", (b, v) -> b.bindHost((String) v)),
      s("listen.instances", "PARKGATE_INSTANCES", Type.INT, "0", (b, v) -> {
        int n = (Integer) v;
        if (n > 0) {
          b.httpInstances(n).deviceInstances(n);
        }
      }),
      s("http.port", "PARKGATE_HTTP_PORT", Type.PORT, "8080", (b, v) -> b.httpPort((Integer) v)),
      s("http.maxBodyBytes", "PARKGATE_MAX_BODY_BYTES", Type.INT, "16384", (b, v) -> b.maxBodyBytes((Integer) v)),
      s("http.maxConnections", "PARKGATE_MAX_HTTP_CONNECTIONS", Type.INT, "4096", (b, v) -> b.maxHttpConnections((Integer) v)),
      s("http.bodyTimeoutMs", "PARKGATE_HTTP_BODY_TIMEOUT_MS", Type.LONG, "10000", (b, v) -> b.httpBodyTimeoutMs((Long) v)),
      s("http.insecureNoApiKeys", "PARKGATE_INSECURE_NO_API_KEYS", Type.BOOL, "false", (b, v) -> b.insecureNoApiKeys((Boolean) v)),
      s("requests.defaultTimeoutMs", "PARKGATE_REQUEST_TIMEOUT_MS", Type.LONG, "3000", (b, v) -> b.defaultTimeoutMs((Long) v)),
      s("requests.maxTimeoutMs", "PARKGATE_MAX_REQUEST_TIMEOUT_MS", Type.LONG, "30000", (b, v) -> b.maxTimeoutMs((Long) v)),
      s("requests.maxInFlightPerPark", "PARKGATE_MAX_IN_FLIGHT", Type.INT, "64", (b, v) -> b.maxInFlightPerPark((Integer) v)),
      s("payments.retentionMs", "PARKGATE_PAYMENT_RETENTION_MS", Type.LONG, "86400000", (b, v) -> b.paymentRetentionMs((Long) v)),
      s("controllers.port", "PARKGATE_DEVICE_PORT", Type.PORT, "8282", (b, v) -> b.devicePort((Integer) v)),
      s("controllers.heartbeatIntervalMs", "PARKGATE_HEARTBEAT_INTERVAL_MS", Type.LONG, "5000", (b, v) -> b.heartbeatIntervalMs((Long) v)),
      s("controllers.idleHeartbeats", "PARKGATE_IDLE_HEARTBEATS", Type.INT, "3", (b, v) -> b.idleHeartbeats((Integer) v)),
      s("controllers.helloTimeoutMs", "PARKGATE_HELLO_TIMEOUT_MS", Type.LONG, "10000", (b, v) -> b.helloTimeoutMs((Long) v)),
      s("controllers.maxLineBytes", "PARKGATE_MAX_LINE_BYTES", Type.INT, "16384", (b, v) -> b.maxLineBytes((Integer) v)),
      s("controllers.maxConnections", "PARKGATE_MAX_CONTROLLER_CONNECTIONS", Type.INT, "20000",
          (b, v) -> b.maxControllerConnections((Integer) v)),
      s("controllers.maxConnectionsPerSource", "PARKGATE_MAX_CONTROLLER_CONNECTIONS_PER_SOURCE", Type.INT, "2000",
          (b, v) -> b.maxControllerConnectionsPerSource((Integer) v)),
      s("controllers.tls.cert", "PARKGATE_TLS_CERT", Type.STRING, null, (b, v) -> b.tlsCertPath((String) v)),
      s("controllers.tls.key", "PARKGATE_TLS_KEY", Type.STRING, null, (b, v) -> b.tlsKeyPath((String) v)),
      s("controllers.insecureAcceptAnyToken", "PARKGATE_INSECURE_ACCEPT_ANY_TOKEN", Type.BOOL, "false",
          (b, v) -> b.insecureAcceptAnyToken((Boolean) v)),
      s("legacy.port", "PARKGATE_LEGACY_PORT", Type.PORT, "off", (b, v) -> b.legacyPort((Integer) v)),
      s("legacy.allowedParks", "PARKGATE_LEGACY_ALLOWED_PARKS", Type.LIST, "", (b, v) -> b.legacyAllowedParks(list(v))),
      s("legacy.allowedSources", "PARKGATE_LEGACY_ALLOWED_SOURCES", Type.LIST, "", (b, v) -> b.legacyAllowedSources(list(v))),
      s("legacy.queueLimit", "PARKGATE_LEGACY_QUEUE_LIMIT", Type.INT, "16", (b, v) -> b.legacyQueueLimit((Integer) v)),
      s("legacy.currency", "PARKGATE_LEGACY_CURRENCY", Type.STRING, "CNY", (b, v) -> b.legacyCurrency((String) v)),
      s("cluster.config", "PARKGATE_CLUSTER_CONFIG", Type.STRING, null, (b, v) -> b.clusterConfig((String) v)),
      s("cluster.host", "PARKGATE_CLUSTER_HOST", Type.STRING, "127.0.0.1", (b, v) -> b.clusterHost((String) v)),
      s("cluster.port", "PARKGATE_CLUSTER_PORT", Type.INT, "0", (b, v) -> b.clusterPort((Integer) v)),
      s("cluster.name", "PARKGATE_CLUSTER_NAME", Type.STRING, null, (b, v) -> b.clusterName((String) v)),
      s("drain.graceMs", "PARKGATE_DRAIN_GRACE_MS", Type.LONG, "10000", (b, v) -> b.drainGraceMs((Long) v)),
      secret("PARKGATE_TOKEN_SECRET", (b, v) -> b.tokenSecret((String) v)),
      secret("PARKGATE_TOKEN_SECRET_PREVIOUS", (b, v) -> b.tokenSecretPrevious((String) v)),
      secret("PARKGATE_API_KEYS", (b, v) -> b.apiKeys((String) v)),
      secret("PARKGATE_CLUSTER_SECRET", (b, v) -> b.clusterSecret((String) v)),
      secret("PARKGATE_CLUSTER_SECRET_PREVIOUS", (b, v) -> b.clusterSecretPrevious((String) v)));

  private Settings() {
  }

  private static Setting s(String key, String env, Type type, String dflt, BiConsumer<ParkgateConfig.Builder, Object> apply) {
    return new Setting(key, env, type, dflt, false, apply);
  }

  private static Setting secret(String env, BiConsumer<ParkgateConfig.Builder, Object> apply) {
    return new Setting("secrets." + env, env, Type.STRING, null, true, apply);
  }

  @SuppressWarnings("unchecked")
  private static List<String> list(Object v) {
    return (List<String>) v;
  }

  /**
   * Resolves every setting from the YAML document, the environment and the flags given.
   *
   * @param yaml  the YAML file as JSON (nested objects), possibly empty
   * @param env   the environment
   * @param flags values given on the command line, by setting key
   * @throws ConfigException naming every bad key and why
   */
  public static Map<String, Resolved> resolve(JsonObject yaml, Map<String, String> env, Map<String, String> flags) {
    Map<String, Resolved> out = new LinkedHashMap<>();
    List<String> errors = new ArrayList<>();
    for (Setting s : ALL) {
      String value = s.defaultValue();
      String source = "default";
      Object inYaml = s.secret() ? null : lookup(yaml, s.key());
      if (s.secret() && lookup(yaml, s.key()) != null) {
        errors.add(s.key() + ": secrets are read from the environment (" + s.env() + ") only, never from the file");
      }
      if (inYaml != null) {
        value = inYaml instanceof JsonArray a ? String.join(",", a.stream().map(String::valueOf).toList()) : String.valueOf(inYaml);
        source = "file";
      }
      if (env.get(s.env()) != null) {
        value = env.get(s.env());
        source = "env " + s.env();
      }
      if (flags.get(s.key()) != null) {
        value = flags.get(s.key());
        source = "flag";
      }
      out.put(s.key(), new Resolved(s.key(), s.env(), value, source, s.secret()));
    }
    for (Map.Entry<String, Object> unknown : unknownKeys(yaml, "").entrySet()) {
      errors.add(unknown.getKey() + ": unknown setting");
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(String.join("; ", errors));
    }
    return out;
  }

  /** Builds the validated configuration from resolved values. */
  public static ParkgateConfig toConfig(Map<String, Resolved> resolved) {
    ParkgateConfig.Builder builder = ParkgateConfig.builder();
    List<String> errors = new ArrayList<>();
    for (Setting s : ALL) {
      Resolved r = resolved.get(s.key());
      try {
        s.apply().accept(builder, parse(s, r.value()));
      } catch (IllegalArgumentException | ConfigException e) {
        errors.add(e.getMessage().startsWith(s.key()) ? e.getMessage() + " (" + r.source() + ")"
            : s.key() + ": " + e.getMessage() + " (" + r.source() + ")");
      }
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(String.join("; ", errors));
    }
    return builder.build();
  }

  static Object parse(Setting s, String raw) {
    String v = raw == null ? null : raw.trim();
    switch (s.type()) {
      case PORT:
        // YAML reads a bare off as the boolean false
        return ParkgateConfig.parsePort(s.key(), v == null || v.equals("false") ? "off" : v);
      case INT:
        try {
          return Integer.parseInt(v);
        } catch (NumberFormatException | NullPointerException e) {
          throw new IllegalArgumentException("'" + raw + "' is not an integer");
        }
      case LONG:
        try {
          return Long.parseLong(v);
        } catch (NumberFormatException | NullPointerException e) {
          throw new IllegalArgumentException("'" + raw + "' is not an integer");
        }
      case BOOL:
        if ("true".equalsIgnoreCase(v) || "false".equalsIgnoreCase(v)) {
          return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException("'" + raw + "' is not true or false");
      case LIST:
        return v == null || v.isEmpty() ? List.of()
            : Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
      default:
        return v == null || v.isEmpty() ? null : v;
    }
  }

  private static Object lookup(JsonObject yaml, String key) {
    Object node = yaml;
    for (String part : key.split("\\.")) {
      if (!(node instanceof JsonObject o)) {
        return null;
      }
      node = o.getValue(part);
    }
    return node instanceof JsonObject ? null : node;
  }

  private static Map<String, Object> unknownKeys(JsonObject yaml, String prefix) {
    Map<String, Object> unknown = new LinkedHashMap<>();
    for (String field : yaml.fieldNames()) {
      String key = prefix + field;
      Object value = yaml.getValue(field);
      if (value instanceof JsonObject nested) {
        unknown.putAll(unknownKeys(nested, key + "."));
      } else if (ALL.stream().noneMatch(s -> s.key().equals(key))) {
        unknown.put(key, value);
      }
    }
    return unknown;
  }
}
