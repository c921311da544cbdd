package io.parkgate;

import io.parkgate.config.ConfigException;
import io.parkgate.config.ConfigLoader;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Settings;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Option;

/**
 * Command-line flags of {@code run}, {@code demo} and {@code config}. A flag overrides the
 * environment variable, which overrides {@code conf/parkgate.yaml}, which overrides the default
 * (see {@link Settings}, the one table of settings). Secrets have no flags: flags show in
 * {@code ps}.
 */
final class NodeOptions {

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML configuration file (env PARKGATE_CONFIG; default conf/parkgate.yaml if present)")
  String configFile;

  @Option(names = "--http-port", paramLabel = "PORT|off", description = "http.port: 0 = any free port; off = no HTTP listener")
  String httpPort;

  @Option(names = "--device-port", paramLabel = "PORT|off", description = "controllers.port: 0 = any free port; off = none")
  String devicePort;

  @Option(names = "--legacy-port", paramLabel = "PORT|off", description = "legacy.port: the legacy text-protocol listener")
  String legacyPort;

  @Option(names = "--bind-host", description = "listen.bindHost")
  String bindHost;

  @Option(names = "--instances", description = "listen.instances: verticle instances per listener; 0 = one per core")
  String instances;

  @Option(names = "--heartbeat-interval-ms", description = "controllers.heartbeatIntervalMs")
  String heartbeatIntervalMs;

  @Option(names = "--hello-timeout-ms", description = "controllers.helloTimeoutMs")
  String helloTimeoutMs;

  @Option(names = "--max-line-bytes", description = "controllers.maxLineBytes")
  String maxLineBytes;

  @Option(names = "--tls-cert", description = "controllers.tls.cert: PEM certificate chain; controllers then use TLS")
  String tlsCert;

  @Option(names = "--tls-key", description = "controllers.tls.key: PEM private key for --tls-cert")
  String tlsKey;

  @Option(names = "--insecure-accept-any-token", arity = "0..1", fallbackValue = "true",
      description = "controllers.insecureAcceptAnyToken: development only")
  String insecureAcceptAnyToken;

  @Option(names = "--request-timeout-ms", description = "requests.defaultTimeoutMs")
  String defaultTimeoutMs;

  @Option(names = "--max-request-timeout-ms", description = "requests.maxTimeoutMs")
  String maxTimeoutMs;

  @Option(names = "--max-in-flight", description = "requests.maxInFlightPerPark")
  String maxInFlight;

  @Option(names = "--max-body-bytes", description = "http.maxBodyBytes")
  String maxBodyBytes;

  @Option(names = "--max-http-connections", description = "http.maxConnections: HTTP connections per node")
  String maxHttpConnections;

  @Option(names = "--http-body-timeout-ms", description = "http.bodyTimeoutMs: from a request's head to the end of its body")
  String httpBodyTimeoutMs;

  @Option(names = "--max-controller-connections", description = "controllers.maxConnections: controller connections per node")
  String maxControllerConnections;

  @Option(names = "--max-controller-connections-per-source",
      description = "controllers.maxConnectionsPerSource: controller connections per source address per node")
  String maxControllerConnectionsPerSource;

  @Option(names = "--insecure-no-api-keys", arity = "0..1", fallbackValue = "true",
      description = "http.insecureNoApiKeys: development only")
  String insecureNoApiKeys;

  @Option(names = "--payment-retention-ms", description = "payments.retentionMs")
  String paymentRetentionMs;

  @Option(names = "--legacy-allowed-parks", description = "legacy.allowedParks: comma-separated IDs or prefixes ending in *")
  String legacyAllowedParks;

  @Option(names = "--legacy-allowed-sources", description = "legacy.allowedSources: comma-separated IPs or CIDR blocks")
  String legacyAllowedSources;

  @Option(names = "--legacy-queue-limit", description = "legacy.queueLimit")
  String legacyQueueLimit;

  @Option(names = "--legacy-currency", description = "legacy.currency")
  String legacyCurrency;

  @Option(names = "--cluster-config", description = "cluster.config: Hazelcast XML file")
  String clusterConfig;

  @Option(names = "--cluster-host", description = "cluster.host: event-bus address (the pod IP on Kubernetes)")
  String clusterHost;

  @Option(names = "--cluster-port", description = "cluster.port: event-bus port")
  String clusterPort;

  @Option(names = "--cluster-name", description = "cluster.name: Hazelcast cluster name")
  String clusterName;

  @Option(names = "--drain-grace-ms", description = "drain.graceMs")
  String drainGraceMs;

  /** The flags given, by setting key. */
  Map<String, String> flags() {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("http.port", httpPort);
    f.put("controllers.port", devicePort);
    f.put("legacy.port", legacyPort);
    f.put("listen.bindHost", bindHost);
    f.put("listen.instances", instances);
    f.put("controllers.heartbeatIntervalMs", heartbeatIntervalMs);
    f.put("controllers.helloTimeoutMs", helloTimeoutMs);
    f.put("controllers.maxLineBytes", maxLineBytes);
    f.put("controllers.tls.cert", tlsCert);
    f.put("controllers.tls.key", tlsKey);
    f.put("controllers.insecureAcceptAnyToken", insecureAcceptAnyToken);
    f.put("requests.defaultTimeoutMs", defaultTimeoutMs);
    f.put("requests.maxTimeoutMs", maxTimeoutMs);
    f.put("requests.maxInFlightPerPark", maxInFlight);
    f.put("http.maxBodyBytes", maxBodyBytes);
    f.put("http.insecureNoApiKeys", insecureNoApiKeys);
    f.put("http.maxConnections", maxHttpConnections);
    f.put("http.bodyTimeoutMs", httpBodyTimeoutMs);
    f.put("controllers.maxConnections", maxControllerConnections);
    f.put("controllers.maxConnectionsPerSource", maxControllerConnectionsPerSource);
    f.put("payments.retentionMs", paymentRetentionMs);
    f.put("legacy.allowedParks", legacyAllowedParks);
    f.put("legacy.allowedSources", legacyAllowedSources);
    f.put("legacy.queueLimit", legacyQueueLimit);
    f.put("legacy.currency", legacyCurrency);
    f.put("cluster.config", clusterConfig);
    f.put("cluster.host", clusterHost);
    f.put("cluster.port", clusterPort);
    f.put("cluster.name", clusterName);
    f.put("drain.graceMs", drainGraceMs);
    return f;
  }

  /** Every setting with its value and source; reads the YAML file with a short-lived Vert.x. */
  Map<String, Settings.Resolved> resolve(Map<String, String> env) {
    String file = configFile != null ? configFile : env.get(Settings.CONFIG_FILE_ENV);
    Vertx vertx = Vertx.vertx();
    try {
      return ConfigLoader.resolve(vertx, file, env, flags()).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof ConfigException c ? c : new ConfigException(String.valueOf(e.getCause()));
    } catch (InterruptedException | TimeoutException e) {
      throw new ConfigException("config: could not be read in time");
    } finally {
      vertx.close();
    }
  }

  ParkgateConfig toConfig() {
    return Settings.toConfig(resolve(System.getenv()));
  }
}
