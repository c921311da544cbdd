package io.parkgate;

import io.parkgate.config.ParkgateConfig;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Node settings shared by {@code run} and {@code demo}. Each flag falls back to its
 * {@code PARKGATE_*} environment variable, then to the documented default.
 */
final class NodeOptions {

  @Option(names = "--http-port", paramLabel = "PORT|off", defaultValue = "${env:PARKGATE_HTTP_PORT:-8080}",
      description = "HTTP API port; 0 = any free port; off = no HTTP listener (env PARKGATE_HTTP_PORT, default ${DEFAULT-VALUE})")
  String httpPort;

  @Option(names = "--device-port", paramLabel = "PORT|off", defaultValue = "${env:PARKGATE_DEVICE_PORT:-8282}",
      description = "controller TCP port; 0 = any free port; off = no controller listener (env PARKGATE_DEVICE_PORT, default ${DEFAULT-VALUE})")
  String devicePort;

  @Option(names = "--bind-host", defaultValue = "${env:PARKGATE_BIND_HOST:-0.0.0.0}",
      description = "interface the listeners bind (env PARKGATE_BIND_HOST, default ${DEFAULT-VALUE})")
  String bindHost;

  @Option(names = "--heartbeat-interval-ms", defaultValue = "${env:PARKGATE_HEARTBEAT_INTERVAL_MS:-5000}",
      description = "heartbeat interval told to controllers; 3 silent intervals close a session (env PARKGATE_HEARTBEAT_INTERVAL_MS, default ${DEFAULT-VALUE})")
  long heartbeatIntervalMs;

  @Option(names = "--hello-timeout-ms", defaultValue = "${env:PARKGATE_HELLO_TIMEOUT_MS:-10000}",
      description = "time a new connection has to say hello (env PARKGATE_HELLO_TIMEOUT_MS, default ${DEFAULT-VALUE})")
  long helloTimeoutMs;

  @Option(names = "--request-timeout-ms", defaultValue = "${env:PARKGATE_REQUEST_TIMEOUT_MS:-3000}",
      description = "default request timeout (env PARKGATE_REQUEST_TIMEOUT_MS, default ${DEFAULT-VALUE})")
  long defaultTimeoutMs;

  @Option(names = "--max-request-timeout-ms", defaultValue = "${env:PARKGATE_MAX_REQUEST_TIMEOUT_MS:-30000}",
      description = "largest timeoutMs a caller may ask for (env PARKGATE_MAX_REQUEST_TIMEOUT_MS, default ${DEFAULT-VALUE})")
  long maxTimeoutMs;

  @Option(names = "--max-in-flight", defaultValue = "${env:PARKGATE_MAX_IN_FLIGHT:-64}",
      description = "requests in flight per park before GATE_BUSY (env PARKGATE_MAX_IN_FLIGHT, default ${DEFAULT-VALUE})")
  int maxInFlight;

  @Option(names = "--max-line-bytes", defaultValue = "${env:PARKGATE_MAX_LINE_BYTES:-16384}",
      description = "longest controller line accepted (env PARKGATE_MAX_LINE_BYTES, default ${DEFAULT-VALUE})")
  int maxLineBytes;

  @Option(names = "--max-body-bytes", defaultValue = "${env:PARKGATE_MAX_BODY_BYTES:-16384}",
      description = "largest HTTP request body (env PARKGATE_MAX_BODY_BYTES, default ${DEFAULT-VALUE})")
  int maxBodyBytes;

  @Option(names = "--instances", defaultValue = "${env:PARKGATE_INSTANCES:-0}",
      description = "verticle instances per listener; 0 = one per core (env PARKGATE_INSTANCES)")
  int instances;

  @Option(names = "--cluster-config", defaultValue = "${env:PARKGATE_CLUSTER_CONFIG}",
      description = "Hazelcast XML file (env PARKGATE_CLUSTER_CONFIG; default: conf/cluster.xml packaged in the jar)")
  String clusterConfig;

  @Option(names = "--cluster-host", defaultValue = "${env:PARKGATE_CLUSTER_HOST:-127.0.0.1}",
      description = "address the event bus binds and advertises, the pod IP on Kubernetes (env PARKGATE_CLUSTER_HOST, default ${DEFAULT-VALUE})")
  String clusterHost;

  @Option(names = "--cluster-name", defaultValue = "${env:PARKGATE_CLUSTER_NAME}",
      description = "overrides the Hazelcast cluster name (env PARKGATE_CLUSTER_NAME)")
  String clusterName;

  @Option(names = "--cluster-port", defaultValue = "${env:PARKGATE_CLUSTER_PORT:-0}",
      description = "event-bus port; 0 = any free port (env PARKGATE_CLUSTER_PORT, default ${DEFAULT-VALUE})")
  int clusterPort;

  @Option(names = "--drain-grace-ms", defaultValue = "${env:PARKGATE_DRAIN_GRACE_MS:-10000}",
      description = "on SIGTERM, time in-flight requests get to finish (env PARKGATE_DRAIN_GRACE_MS, default ${DEFAULT-VALUE})")
  long drainGraceMs;

  @Option(names = "--legacy-port", paramLabel = "PORT|off", defaultValue = "${env:PARKGATE_LEGACY_PORT:-off}",
      description = "legacy text-protocol port; 0 = any free port; off = no legacy listener (env PARKGATE_LEGACY_PORT, default ${DEFAULT-VALUE})")
  String legacyPort;

  @Option(names = "--legacy-allowed-parks", split = ",", defaultValue = "${env:PARKGATE_LEGACY_ALLOWED_PARKS:-}",
      description = "park IDs (or prefixes ending in *) the legacy listener accepts; empty = none (env PARKGATE_LEGACY_ALLOWED_PARKS)")
  List<String> legacyAllowedParks;

  @Option(names = "--legacy-allowed-sources", split = ",", defaultValue = "${env:PARKGATE_LEGACY_ALLOWED_SOURCES:-}",
      description = "source IPs or CIDR blocks the legacy listener accepts; empty = none (env PARKGATE_LEGACY_ALLOWED_SOURCES)")
  List<String> legacyAllowedSources;

  @Option(names = "--legacy-queue-limit", defaultValue = "${env:PARKGATE_LEGACY_QUEUE_LIMIT:-16}",
      description = "requests waiting per legacy park before GATE_BUSY (env PARKGATE_LEGACY_QUEUE_LIMIT, default ${DEFAULT-VALUE})")
  int legacyQueueLimit;

  @Option(names = "--legacy-currency", defaultValue = "${env:PARKGATE_LEGACY_CURRENCY:-CNY}",
      description = "currency of legacy amounts (env PARKGATE_LEGACY_CURRENCY, default ${DEFAULT-VALUE})")
  String legacyCurrency;

  @Option(names = "--insecure-accept-any-token", defaultValue = "${env:PARKGATE_INSECURE_ACCEPT_ANY_TOKEN:-false}",
      description = "development only: accept any controller token (env PARKGATE_INSECURE_ACCEPT_ANY_TOKEN)")
  boolean insecureAcceptAnyToken;

  @Option(names = "--insecure-no-api-keys", defaultValue = "${env:PARKGATE_INSECURE_NO_API_KEYS:-false}",
      description = "development only: serve the API without API keys (env PARKGATE_INSECURE_NO_API_KEYS)")
  boolean insecureNoApiKeys;

  @Option(names = "--payment-retention-ms", defaultValue = "${env:PARKGATE_PAYMENT_RETENTION_MS:-86400000}",
      description = "how long a payment's answer is kept for retries (env PARKGATE_PAYMENT_RETENTION_MS, default ${DEFAULT-VALUE})")
  long paymentRetentionMs;

  @Option(names = "--tls-cert", defaultValue = "${env:PARKGATE_TLS_CERT}",
      description = "PEM certificate chain: controllers connect with TLS (env PARKGATE_TLS_CERT)")
  String tlsCert;

  @Option(names = "--tls-key", defaultValue = "${env:PARKGATE_TLS_KEY}",
      description = "PEM private key for --tls-cert (env PARKGATE_TLS_KEY)")
  String tlsKey;

  ParkgateConfig toConfig() {
    return toConfig(blankToNull(System.getenv("PARKGATE_TOKEN_SECRET")), blankToNull(System.getenv("PARKGATE_API_KEYS")));
  }

  /** The node configuration with explicit secrets (the demo makes them up). */
  ParkgateConfig toConfig(String tokenSecret, String apiKeys) {
    ParkgateConfig.Builder b = ParkgateConfig.builder()
        .httpPort(ParkgateConfig.parsePort("http-port", httpPort))
        .devicePort(ParkgateConfig.parsePort("device-port", devicePort))
        .bindHost(bindHost)
        .heartbeatIntervalMs(heartbeatIntervalMs)
        .helloTimeoutMs(helloTimeoutMs)
        .defaultTimeoutMs(defaultTimeoutMs)
        .maxTimeoutMs(maxTimeoutMs)
        .maxInFlightPerPark(maxInFlight)
        .maxLineBytes(maxLineBytes)
        .maxBodyBytes(maxBodyBytes)
        .clusterConfig(blankToNull(clusterConfig))
        .clusterHost(clusterHost)
        .clusterName(blankToNull(clusterName))
        .clusterPort(clusterPort)
        .drainGraceMs(drainGraceMs)
        .legacyPort(ParkgateConfig.parsePort("legacy-port", legacyPort))
        .legacyAllowedParks(nonBlank(legacyAllowedParks))
        .legacyAllowedSources(nonBlank(legacyAllowedSources))
        .legacyQueueLimit(legacyQueueLimit)
        .legacyCurrency(legacyCurrency)
        .tokenSecret(tokenSecret)
        .apiKeys(apiKeys)
        .insecureNoApiKeys(insecureNoApiKeys)
        .paymentRetentionMs(paymentRetentionMs)
        .tlsCertPath(blankToNull(tlsCert))
        .tlsKeyPath(blankToNull(tlsKey))
        .tokenSecretPrevious(blankToNull(System.getenv("PARKGATE_TOKEN_SECRET_PREVIOUS")))
        .insecureAcceptAnyToken(insecureAcceptAnyToken);
    if (instances > 0) {
      b.httpInstances(instances).deviceInstances(instances);
    }
    return b.build();
  }

  private static List<String> nonBlank(List<String> values) {
    return values == null ? List.of() : values.stream().map(String::trim).filter(v -> !v.isEmpty()).toList();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
