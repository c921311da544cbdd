package io.parkgate.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parkgate.config.ConfigException;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Settings;
import io.parkgate.config.SettingsResolution;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Subscriptions from the file (both forms) and the environment, and the refusals a bad one gets. */
class WebhookSettingsTest {

  private static final Map<String, String> BASE_ENV = Map.of("PARKGATE_TOKEN_SECRET", "token-secret-0123456789",
      "PARKGATE_API_KEYS", "", "PARKGATE_INSECURE_NO_API_KEYS", "true");

  private static JsonObject sub(String secret) {
    return new JsonObject().put("url", "https://apps.example/hooks").put("secret", secret)
        .put("events", new JsonArray().add("payment.*"));
  }

  private static ParkgateConfig load(JsonObject yaml, Map<String, String> env) {
    java.util.Map<String, String> all = new java.util.HashMap<>(BASE_ENV);
    all.putAll(env);
    return SettingsResolution.toConfig(SettingsResolution.resolve(yaml, all, Map.of()));
  }

  @Test
  void theShortFormUnderWebhooksIsTheSubscriptionList() {
    ParkgateConfig c = load(new JsonObject().put("webhooks", new JsonArray().add(sub("billing"))),
        Map.of("PARKGATE_WEBHOOK_SECRETS", "billing=0123456789abcdef-secret"));
    WebhookSubscription s = WebhookSubscription.parseAll(c.get(Settings.WEBHOOKS_SUBSCRIPTIONS)).get(0);
    assertThat(s.url()).isEqualTo("https://apps.example/hooks");
    assertThat(s.name()).startsWith("s-").hasSize(12);
    assertThat(s.wants("payment.confirmed")).isTrue();
    assertThat(s.wants("park.offline")).isFalse();
    assertThat(c.get(Settings.WEBHOOKS_MAX_RETRY_S)).isEqualTo(86_400);
  }

  @Test
  void aSubscriptionWhoseSecretIsNotInTheEnvironmentRefusesToStart() {
    JsonObject yaml = new JsonObject().put("webhooks", new JsonObject().put("subscriptions", new JsonArray().add(sub("billing"))));
    assertThatThrownBy(() -> load(yaml, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("webhooks.subscriptions")
        .hasMessageContaining("'billing'")
        .hasMessageContaining("PARKGATE_WEBHOOK_SECRETS");
    assertThatThrownBy(() -> load(yaml, Map.of("PARKGATE_WEBHOOK_SECRETS", "other=0123456789abcdef-secret")))
        .hasMessageContaining("'billing'");
  }

  @Test
  void aShortSecretABadUrlOrNoEventsIsRefusedNamingTheEntry() {
    assertThatThrownBy(() -> load(new JsonObject(), Map.of("PARKGATE_WEBHOOKS", new JsonArray().add(sub("b")).encode(),
        "PARKGATE_WEBHOOK_SECRETS", "b=short")))
        .hasMessageContaining("PARKGATE_WEBHOOK_SECRETS").hasMessageContaining("at least 16").hasMessageNotContaining("short");
    assertThatThrownBy(() -> load(new JsonObject(), Map.of("PARKGATE_WEBHOOKS",
        new JsonArray().add(sub("b").put("url", "ftp://x")).encode())))
        .hasMessageContaining("entry #0").hasMessageContaining("http");
    assertThatThrownBy(() -> load(new JsonObject(), Map.of("PARKGATE_WEBHOOKS",
        new JsonArray().add(sub("b").put("events", new JsonArray())).encode())))
        .hasMessageContaining("events");
  }

  @Test
  void aSecretInTheFileIsRefused() {
    JsonObject yaml = new JsonObject().put("secrets", new JsonObject().put("PARKGATE_WEBHOOK_SECRETS", "b=0123456789abcdef"));
    assertThatThrownBy(() -> load(yaml, Map.of())).hasMessageContaining("environment");
  }
}
