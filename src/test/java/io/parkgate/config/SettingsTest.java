package io.parkgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** conf/parkgate.yaml, the environment and flags resolve in that order; bad values name key and source. */
class SettingsTest {

  private static final Map<String, String> SECRETS = Map.of(
      "PARKGATE_TOKEN_SECRET", "0123456789abcdef0123", "PARKGATE_INSECURE_NO_API_KEYS", "true");
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close();
  }

  private static Map<String, Settings.Resolved> resolve(String file, Map<String, String> env, Map<String, String> flags)
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
  void theShippedFileHoldsEverySettingWithItsDefault() throws Exception {
    Map<String, Settings.Resolved> resolved = resolve("conf/parkgate.yaml", SECRETS, Map.of());
    for (Settings.Setting s : Settings.ALL) {
      if (s.secret()) {
        continue;
      }
      assertThat(Files.readString(Path.of("conf/parkgate.yaml"))).as("conf/parkgate.yaml documents %s", s.key())
          .contains(s.key().substring(s.key().lastIndexOf('.') + 1) + ":").contains(s.env());
      Settings.Resolved r = resolved.get(s.key());
      if (r.source().startsWith("env")) {
        continue;
      }
      assertThat(String.valueOf(Settings.parse(s, r.value()))).as(s.key())
          .isEqualTo(String.valueOf(Settings.parse(s, s.defaultValue())));
    }
    ParkgateConfig config = Settings.toConfig(resolved);
    assertThat(config.httpPort()).isEqualTo(ParkgateConfig.DEFAULT_HTTP_PORT);
    assertThat(config.legacyPort()).isNull();
  }

  @Test
  void theEnvironmentOverridesTheFileAndFlagsOverrideBoth() throws Exception {
    Path file = yaml("http:\n  port: 9000\ncontrollers:\n  port: 9100\n  heartbeatIntervalMs: 2000\n");
    Map<String, String> env = new HashMap<>(SECRETS);
    env.put("PARKGATE_DEVICE_PORT", "9200");
    Map<String, String> flags = Map.of("controllers.heartbeatIntervalMs", "1000");
    Map<String, Settings.Resolved> r = resolve(file.toString(), env, flags);
    assertThat(r.get("http.port").source()).isEqualTo("file");
    assertThat(r.get("controllers.port").source()).isEqualTo("env PARKGATE_DEVICE_PORT");
    assertThat(r.get("controllers.heartbeatIntervalMs").source()).isEqualTo("flag");
    ParkgateConfig config = Settings.toConfig(r);
    assertThat(config.httpPort()).isEqualTo(9000);
    assertThat(config.devicePort()).isEqualTo(9200);
    assertThat(config.heartbeatIntervalMs()).isEqualTo(1000);
    assertThat(config.idleTimeoutMs()).isEqualTo(3000);
  }

  @Test
  void invalidValuesStopTheStartNamingTheKeyAndTheReason() throws Exception {
    Map<String, String> env = new HashMap<>(SECRETS);
    env.put("PARKGATE_HTTP_PORT", "eighty");
    assertThatThrownBy(() -> Settings.toConfig(resolve(null, env, Map.of())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("http.port").hasMessageContaining("eighty")
        .hasMessageContaining("env PARKGATE_HTTP_PORT");
    Path file = yaml("requests:\n  defaultTimeoutMs: 50000\n");
    assertThatThrownBy(() -> Settings.toConfig(resolve(file.toString(), SECRETS, Map.of())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("requests.defaultTimeoutMs");
    assertThatThrownBy(() -> resolve(yaml("htp:\n  port: 1\n").toString(), SECRETS, Map.of()))
        .hasRootCauseInstanceOf(ConfigException.class).hasRootCauseMessage("htp.port: unknown setting");
    assertThatThrownBy(() -> Settings.toConfig(resolve(null, Map.of(), Map.of())))
        .hasMessageContaining("PARKGATE_TOKEN_SECRET").hasMessageContaining("PARKGATE_API_KEYS");
  }

  @Test
  void secretsAreEnvironmentOnlyAndMasked() throws Exception {
    assertThatThrownBy(() -> resolve(yaml("secrets:\n  PARKGATE_TOKEN_SECRET: abcdefghijklmnopq\n").toString(),
        SECRETS, Map.of())).hasRootCauseMessage(
            "secrets.PARKGATE_TOKEN_SECRET: secrets are read from the environment (PARKGATE_TOKEN_SECRET) only, never from the file");
    Settings.Resolved secret = resolve(null, SECRETS, Map.of()).get("secrets.PARKGATE_TOKEN_SECRET");
    assertThat(secret.shown()).isEqualTo("***");
    assertThat(Settings.toConfig(resolve(null, SECRETS, Map.of())).toString()).doesNotContain("0123456789abcdef0123");
  }
}
