package io.parkgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The table of settings: the shipped YAML file and the README are renderings of it; the file,
 * the environment and flags resolve in that order; bad values name key, reason and source.
 */
class SettingsTest {

  private static final Map<String, String> SECRETS = Map.of(
      "PARKGATE_TOKEN_SECRET", "0123456789abcdef0123", "PARKGATE_INSECURE_NO_API_KEYS", "true");

  /**
   * Key, environment variable and flag of every setting as operators' scripts know them ("-" = no
   * flag). This copy is deliberate: the names are a contract, and renaming one must fail a test.
   */
  private static final String CONTRACT = """
      listen.bindHost PARKGATE_BIND_HOST --bind-host
      listen.instances PARKGATE_INSTANCES --instances
      http.port PARKGATE_HTTP_PORT --http-port
      http.maxBodyBytes PARKGATE_MAX_BODY_BYTES --max-body-bytes
      http.maxConnections PARKGATE_MAX_HTTP_CONNECTIONS --max-http-connections
      http.bodyTimeoutMs PARKGATE_HTTP_BODY_TIMEOUT_MS --http-body-timeout-ms
      http.insecureNoApiKeys PARKGATE_INSECURE_NO_API_KEYS --insecure-no-api-keys
      requests.defaultTimeoutMs PARKGATE_REQUEST_TIMEOUT_MS --request-timeout-ms
      requests.maxTimeoutMs PARKGATE_MAX_REQUEST_TIMEOUT_MS --max-request-timeout-ms
      requests.maxInFlightPerPark PARKGATE_MAX_IN_FLIGHT --max-in-flight
      payments.retentionMs PARKGATE_PAYMENT_RETENTION_MS --payment-retention-ms
      payments.store PARKGATE_PAYMENT_STORE --payment-store
      payments.postgres.uri PARKGATE_POSTGRES_URI --postgres-uri
      payments.postgres.poolSize PARKGATE_POSTGRES_POOL_SIZE --postgres-pool-size
      payments.defaultValidForS PARKGATE_PAYMENT_VALID_FOR_S --payment-valid-for-s
      payments.maxValidForS PARKGATE_PAYMENT_MAX_VALID_FOR_S --payment-max-valid-for-s
      payments.attemptTimeoutMs PARKGATE_PAYMENT_ATTEMPT_TIMEOUT_MS --payment-attempt-timeout-ms
      payments.storeTimeoutMs PARKGATE_PAYMENT_STORE_TIMEOUT_MS --payment-store-timeout-ms
      controllers.port PARKGATE_CONTROLLER_PORT --controller-port
      controllers.heartbeatIntervalMs PARKGATE_HEARTBEAT_INTERVAL_MS --heartbeat-interval-ms
      controllers.idleHeartbeats PARKGATE_IDLE_HEARTBEATS -
      controllers.helloTimeoutMs PARKGATE_HELLO_TIMEOUT_MS --hello-timeout-ms
      controllers.maxLineBytes PARKGATE_MAX_LINE_BYTES --max-line-bytes
      controllers.maxConnections PARKGATE_MAX_CONTROLLER_CONNECTIONS --max-controller-connections
      controllers.maxConnectionsPerSource PARKGATE_MAX_CONTROLLER_CONNECTIONS_PER_SOURCE --max-controller-connections-per-source
      controllers.tls.cert PARKGATE_TLS_CERT --tls-cert
      controllers.tls.key PARKGATE_TLS_KEY --tls-key
      controllers.flapping.maxSessionsPerMinute PARKGATE_FLAPPING_MAX_SESSIONS --flapping-max-sessions
      controllers.flapping.windowS PARKGATE_FLAPPING_WINDOW_S --flapping-window-s
      controllers.flapping.banS PARKGATE_FLAPPING_BAN_S --flapping-ban-s
      history.retentionS PARKGATE_HISTORY_RETENTION_S --history-retention-s
      events.retentionS PARKGATE_EVENTS_RETENTION_S --events-retention-s
      events.maxInFlightPerConnection PARKGATE_EVENTS_MAX_IN_FLIGHT --events-max-in-flight
      events.maxPerSecondPerConnection PARKGATE_EVENTS_MAX_PER_SECOND --events-max-per-second
      controllers.rebalance.onJoin PARKGATE_REBALANCE_ON_JOIN --rebalance-on-join
      controllers.rebalance.movesPerSecond PARKGATE_REBALANCE_MOVES_PER_SECOND --rebalance-moves-per-second
      controllers.rebalance.joinDelayS PARKGATE_REBALANCE_JOIN_DELAY_S --rebalance-join-delay-s
      controllers.proxyProtocol PARKGATE_CONTROLLER_PROXY_PROTOCOL --controller-proxy-protocol
      controllers.tls.reloadCheckS PARKGATE_TLS_RELOAD_CHECK_S --tls-reload-check-s
      controllers.insecureAcceptAnyToken PARKGATE_INSECURE_ACCEPT_ANY_TOKEN --insecure-accept-any-token
      legacy.port PARKGATE_LEGACY_PORT --legacy-port
      legacy.allowedParks PARKGATE_LEGACY_ALLOWED_PARKS --legacy-allowed-parks
      legacy.allowedSources PARKGATE_LEGACY_ALLOWED_SOURCES --legacy-allowed-sources
      legacy.proxyProtocol PARKGATE_LEGACY_PROXY_PROTOCOL --legacy-proxy-protocol
      legacy.queueLimit PARKGATE_LEGACY_QUEUE_LIMIT --legacy-queue-limit
      legacy.currency PARKGATE_LEGACY_CURRENCY --legacy-currency
      cluster.config PARKGATE_CLUSTER_CONFIG --cluster-config
      cluster.host PARKGATE_CLUSTER_HOST --cluster-host
      cluster.port PARKGATE_CLUSTER_PORT --cluster-port
      cluster.name PARKGATE_CLUSTER_NAME --cluster-name
      drain.graceMs PARKGATE_DRAIN_GRACE_MS --drain-grace-ms
      webhooks.subscriptions PARKGATE_WEBHOOKS -
      webhooks.maxRetryS PARKGATE_WEBHOOK_MAX_RETRY_S --webhook-max-retry-s
      webhooks.firstRetryMs PARKGATE_WEBHOOK_FIRST_RETRY_MS --webhook-first-retry-ms
      webhooks.maxBackoffS PARKGATE_WEBHOOK_MAX_BACKOFF_S --webhook-max-backoff-s
      webhooks.timeoutMs PARKGATE_WEBHOOK_TIMEOUT_MS --webhook-timeout-ms
      webhooks.concurrency PARKGATE_WEBHOOK_CONCURRENCY --webhook-concurrency
      webhooks.retentionS PARKGATE_WEBHOOK_RETENTION_S --webhook-retention-s
      secrets.PARKGATE_TOKEN_SECRET PARKGATE_TOKEN_SECRET -
      secrets.PARKGATE_TOKEN_SECRET_PREVIOUS PARKGATE_TOKEN_SECRET_PREVIOUS -
      secrets.PARKGATE_API_KEYS PARKGATE_API_KEYS -
      secrets.PARKGATE_POSTGRES_PASSWORD PARKGATE_POSTGRES_PASSWORD -
      secrets.PARKGATE_WEBHOOK_SECRETS PARKGATE_WEBHOOK_SECRETS -
      secrets.PARKGATE_CLUSTER_SECRET PARKGATE_CLUSTER_SECRET -
      secrets.PARKGATE_CLUSTER_SECRET_PREVIOUS PARKGATE_CLUSTER_SECRET_PREVIOUS -
      """;

  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  private static Map<String, SettingsResolution.Resolved> resolve(String file, Map<String, String> env, Map<String, String> flags)
      throws Exception {
    return ConfigLoader.resolve(vertx, file, env, flags).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Path yaml(String text) throws Exception {
    Path file = Files.createTempFile("parkgate", ".yaml");
    Files.writeString(file, text);
    file.toFile().deleteOnExit();
    return file;
  }

  @Test
  void everyKeyEnvironmentVariableAndFlagKeepsItsName() {
    String table = String.join("\n", Settings.ALL.stream()
        .map(s -> s.key() + " " + s.env() + " " + (s.flag() == null ? "-" : s.flag())).toList()) + "\n";
    assertThat(table).isEqualTo(CONTRACT);
  }

  @Test
  void noTwoSettingsShareAKeyAnEnvironmentVariableOrAFlag() {
    assertThat(Settings.ALL.stream().map(Setting::key)).doesNotHaveDuplicates();
    assertThat(Settings.ALL.stream().map(Setting::env)).doesNotHaveDuplicates();
    assertThat(Settings.ALL.stream().map(Setting::flag).filter(f -> f != null)).doesNotHaveDuplicates();
    assertThat(Settings.ALL.stream().filter(Setting::secret).map(Setting::flag)).as("secrets have no flag")
        .containsOnlyNulls();
  }

  @Test
  void theShippedFileIsTheTableRendered() throws Exception {
    // GIVEN conf/parkgate.yaml (k8s/base/parkgate.yaml is a copy: KubernetesManifestsTest)
    String shipped = Files.readString(Path.of("conf/parkgate.yaml"));
    // THEN it is exactly the rendering of the table (regenerate: config --yaml > conf/parkgate.yaml)
    assertThat(shipped).isEqualTo(SettingsDoc.yaml());
  }

  @Test
  void theShippedFileResolvesToEveryDefaultOfTheTable() throws Exception {
    // WHEN the shipped file is read as a node reads it
    ParkgateConfig config = SettingsResolution.toConfig(resolve("conf/parkgate.yaml", SECRETS, Map.of()));
    // THEN every setting but the secrets is in it and has the table's default
    String text = Files.readString(Path.of("conf/parkgate.yaml"));
    for (Setting<?> s : Settings.ALL) {
      if (s.secret()) {
        assertThat(text).as("the file names the secret %s", s.env()).contains(s.env());
        continue;
      }
      assertThat(text).as("conf/parkgate.yaml documents %s", s.key()).contains(s.env() + ": ");
      if (!config.source(s).startsWith("env")) {
        assertThat((Object) config.get(s)).as(s.key()).isEqualTo(s.defaultValue());
      }
    }
    assertThat(config.legacyPort()).as("a quoted \"off\" in YAML").isNull();
  }

  @Test
  void theReadmeTableIsTheTableRendered() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int begin = readme.indexOf(SettingsDoc.README_BEGIN);
    int end = readme.indexOf(SettingsDoc.README_END);
    assertThat(begin).as("README has the begin marker").isNotNegative();
    assertThat(end).as("README has the end marker after it").isGreaterThan(begin);
    // regenerate: java -jar target/parkgate.jar config --markdown
    assertThat(readme.substring(begin + SettingsDoc.README_BEGIN.length() + 1, end))
        .isEqualTo(SettingsDoc.markdownTable());
  }

  @Test
  void oldNamesOfARenamedSettingStillWorkAndTheNewNameWins() throws Exception {
    // GIVEN the controller port under its old environment name only
    Map<String, String> env = new HashMap<>(SECRETS);
    env.put("PARKGATE_DEVICE_PORT", "9300");
    // THEN it is read, and the source says which name was used
    Map<String, SettingsResolution.Resolved> r = resolve(null, env, Map.of());
    assertThat(r.get("controllers.port").source()).isEqualTo("env PARKGATE_DEVICE_PORT (old name of PARKGATE_CONTROLLER_PORT)");
    assertThat(SettingsResolution.toConfig(r).controllerPort()).isEqualTo(9300);
    // WHEN the new name is given too, THEN it wins
    env.put("PARKGATE_CONTROLLER_PORT", "9301");
    assertThat(SettingsResolution.toConfig(resolve(null, env, Map.of())).controllerPort()).isEqualTo(9301);
  }

  @Test
  void theEnvironmentOverridesTheFileAndFlagsOverrideBoth() throws Exception {
    Path file = yaml("http:\n  port: 9000\ncontrollers:\n  port: 9100\n  heartbeatIntervalMs: 2000\n");
    Map<String, String> env = new HashMap<>(SECRETS);
    env.put("PARKGATE_CONTROLLER_PORT", "9200");
    env.put("PARKGATE_HEARTBEAT_INTERVAL_MS", "1500");
    Map<String, String> flags = Map.of("controllers.heartbeatIntervalMs", "1000");
    Map<String, SettingsResolution.Resolved> r = resolve(file.toString(), env, flags);
    assertThat(r.get("http.port").source()).isEqualTo("file");
    assertThat(r.get("controllers.port").source()).isEqualTo("env PARKGATE_CONTROLLER_PORT");
    assertThat(r.get("controllers.heartbeatIntervalMs").source()).isEqualTo("flag");
    assertThat(r.get("cluster.host").source()).isEqualTo("default");
    ParkgateConfig config = SettingsResolution.toConfig(r);
    assertThat(config.httpPort()).isEqualTo(9000);
    assertThat(config.controllerPort()).isEqualTo(9200);
    assertThat(config.heartbeatIntervalMs()).isEqualTo(1000);
    assertThat(config.idleTimeoutMs()).isEqualTo(3000);
  }

  @Test
  void invalidValuesStopTheStartNamingTheKeyTheReasonAndTheSource() throws Exception {
    Map<String, String> env = new HashMap<>(SECRETS);
    env.put("PARKGATE_HTTP_PORT", "eighty");
    assertThatThrownBy(() -> SettingsResolution.toConfig(resolve(null, env, Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessage("http.port: 'eighty' is not a port (0..65535) or 'off' (env PARKGATE_HTTP_PORT)");
    Path file = yaml("requests:\n  defaultTimeoutMs: 50000\n");
    assertThatThrownBy(() -> SettingsResolution.toConfig(resolve(file.toString(), SECRETS, Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessage("requests.defaultTimeoutMs: must be at most requests.maxTimeoutMs (30000) (file)");
    assertThatThrownBy(() -> resolve(yaml("htp:\n  port: 1\n").toString(), SECRETS, Map.of()))
        .hasRootCauseInstanceOf(ConfigException.class).hasRootCauseMessage("htp.port: unknown setting");
    assertThatThrownBy(() -> SettingsResolution.toConfig(resolve(null, Map.of(), Map.of())))
        .hasMessageContaining("PARKGATE_TOKEN_SECRET").hasMessageContaining("PARKGATE_API_KEYS");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theExampleSecretCannotGoLive() throws Exception {
    // GIVEN the example overlay's Secret, as a pod would get it in its environment
    Map<String, Object> secret = (Map<String, Object>) new org.snakeyaml.engine.v2.api.Load(
        org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
        .loadFromString(Files.readString(Path.of("k8s/overlays/example/secret.example.yaml")));
    Map<String, String> env = new HashMap<>();
    ((Map<String, Object>) secret.get("stringData")).forEach((k, v) -> env.put(k, String.valueOf(v)));
    // THEN the node refuses to start with it, naming each placeholder and how to make a real one
    assertThatThrownBy(() -> SettingsResolution.toConfig(resolve(null, env, Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("PARKGATE_TOKEN_SECRET: is the example Secret's placeholder")
        .hasMessageContaining("kubectl -n parkgate create secret generic")
        .hasMessageContaining("PARKGATE_API_KEYS: holds the example Secret's placeholder key");
  }

  @Test
  void rangeChecksComeFromTheTableAndNameTheSource() throws Exception {
    // GIVEN values just outside the table's ranges, from each source
    Map<String, String> env = new HashMap<>(SECRETS);
    env.put("PARKGATE_INSTANCES", "65");
    Path file = yaml("controllers:\n  maxLineBytes: 255\n");
    Map<String, String> flags = Map.of("drain.graceMs", "600001");
    // THEN each is refused with the table's rule and where it came from
    assertThatThrownBy(() -> SettingsResolution.toConfig(resolve(file.toString(), env, flags)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("listen.instances: must be 0..64 (env PARKGATE_INSTANCES)")
        .hasMessageContaining("controllers.maxLineBytes: must be 256..1048576 (file)")
        .hasMessageContaining("drain.graceMs: must be 0..600000 (flag)");
    // AND the bounds themselves are accepted
    Map<String, String> atBounds = new HashMap<>(SECRETS);
    atBounds.put("PARKGATE_INSTANCES", "64");
    atBounds.put("PARKGATE_MAX_LINE_BYTES", "256");
    atBounds.put("PARKGATE_DRAIN_GRACE_MS", "600000");
    assertThat(SettingsResolution.toConfig(resolve(null, atBounds, Map.of())).listenInstances()).isEqualTo(64);
  }

  @Test
  void listenInstancesZeroMeansOnePerCore() {
    ParkgateConfig.Builder builder = ParkgateConfig.builder().tokenSecret("0123456789abcdef0123")
        .set(Settings.HTTP_INSECURE_NO_API_KEYS, true);
    ParkgateConfig byDefault = builder.build();
    assertThat(byDefault.get(Settings.LISTEN_INSTANCES)).isZero();
    assertThat(byDefault.listenInstances()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(byDefault.httpInstances()).isEqualTo(byDefault.controllerInstances()).isEqualTo(byDefault.listenInstances());
    assertThat(builder.instances(3).build().listenInstances()).isEqualTo(3);
  }

  @Test
  void theBuilderChecksLikeTheFile() {
    assertThatThrownBy(() -> ParkgateConfig.builder().tokenSecret("0123456789abcdef0123")
        .set(Settings.HTTP_INSECURE_NO_API_KEYS, true).legacyQueueLimit(0).build())
        .isInstanceOf(ConfigException.class).hasMessage("legacy.queueLimit: must be 1..1024 (set in code)");
  }

  @Test
  void secretsAreEnvironmentOnlyAndMasked() throws Exception {
    assertThatThrownBy(() -> resolve(yaml("secrets:\n  PARKGATE_TOKEN_SECRET: abcdefghijklmnopq\n").toString(),
        SECRETS, Map.of())).hasRootCauseMessage(
            "secrets.PARKGATE_TOKEN_SECRET: secrets are read from the environment (PARKGATE_TOKEN_SECRET) only, never from the file");
    Map<String, String> env = new HashMap<>(SECRETS);
    env.put("PARKGATE_CLUSTER_SECRET", "cluster-secret-0123456789");
    SettingsResolution.Resolved secret = resolve(null, env, Map.of()).get("secrets.PARKGATE_TOKEN_SECRET");
    assertThat(secret.shown()).isEqualTo("***");
    String printed = SettingsResolution.toConfig(resolve(null, env, Map.of())).toString();
    assertThat(printed).doesNotContain("0123456789abcdef0123").doesNotContain("cluster-secret-0123456789")
        .contains("secrets.PARKGATE_TOKEN_SECRET=***", "secrets.PARKGATE_TOKEN_SECRET_PREVIOUS=unset");
    env.put("PARKGATE_CLUSTER_SECRET", "short-secret");
    assertThatThrownBy(() -> SettingsResolution.toConfig(resolve(null, env, Map.of())))
        .hasMessage("PARKGATE_CLUSTER_SECRET: at least 16 characters when set (env PARKGATE_CLUSTER_SECRET)");
  }

  @Test
  void listsComeFromYamlSequencesOrCommaSeparatedText() throws Exception {
    Path file = yaml("legacy:\n  allowedParks: [p1, 'p2*']\n");
    Map<String, String> env = new HashMap<>(SECRETS);
    env.put("PARKGATE_LEGACY_ALLOWED_SOURCES", "10.0.0.0/8, 192.168.1.7");
    ParkgateConfig config = SettingsResolution.toConfig(resolve(file.toString(), env, Map.of()));
    assertThat(config.legacyAllowedParks()).isEqualTo(List.of("p1", "p2*"));
    assertThat(config.legacyAllowedSources()).isEqualTo(List.of("10.0.0.0/8", "192.168.1.7"));
    env.put("PARKGATE_LEGACY_ALLOWED_SOURCES", "10.0.0.0/33");
    assertThatThrownBy(() -> SettingsResolution.toConfig(resolve(null, env, Map.of())))
        .hasMessageContaining("legacy.allowedSources: ").hasMessageContaining("(env PARKGATE_LEGACY_ALLOWED_SOURCES)");
  }
}
