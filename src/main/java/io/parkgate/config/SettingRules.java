package io.parkgate.config;

import static io.parkgate.config.Settings.*;

import io.parkgate.security.ApiKeys;
import io.parkgate.webhook.WebhookSecrets;
import io.parkgate.webhook.WebhookSubscription;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules between settings, checked after each setting's own check (its type and range, in the
 * table of {@link Settings}); each message names the keys involved and where the value came from.
 */
final class SettingRules {

  private SettingRules() {
  }

  /** The marker of the example Secret's values (k8s/overlays/example): they must never go live. */
  static final String PLACEHOLDER_MARK = "EXAMPLE-NOT-A-SECRET";

  static boolean isPlaceholder(String value) {
    return value != null && (value.contains(PLACEHOLDER_MARK) || value.toLowerCase(java.util.Locale.ROOT).contains("replace-me"));
  }

  /**
   * Every webhook subscription needs a usable secret: a node that would send unsigned (or
   * unverifiable) notifications refuses to start instead.
   */
  private static List<String> webhookSecrets(ParkgateConfig c) {
    List<String> errors = new ArrayList<>();
    if (WEBHOOKS_SUBSCRIPTIONS.problem(c.get(WEBHOOKS_SUBSCRIPTIONS)) != null
        || WEBHOOK_SECRETS.problem(c.get(WEBHOOK_SECRETS)) != null) {
      return errors; // reported by the setting's own check
    }
    WebhookSecrets secrets = WebhookSecrets.parse(c.get(WEBHOOK_SECRETS));
    for (WebhookSubscription s : WebhookSubscription.parseAll(c.get(WEBHOOKS_SUBSCRIPTIONS))) {
      if (secrets.get(s.secretName()) == null) {
        errors.add(WEBHOOKS_SUBSCRIPTIONS.key() + ": the subscription " + s.name() + " (" + s.url() + ") signs with the"
            + " secret '" + s.secretName() + "', which " + WEBHOOK_SECRETS.name() + " does not hold; set "
            + WEBHOOK_SECRETS.name() + "=" + s.secretName() + "=<at least " + WebhookSecrets.MIN_LENGTH
            + " characters>;... in the environment (" + c.source(WEBHOOKS_SUBSCRIPTIONS) + ")");
      }
    }
    return errors;
  }

  /**
   * Rules between settings, checked after each setting's own check; each message names the keys.
   */
  static List<String> relations(ParkgateConfig c) {
    List<String> errors = new ArrayList<>();
    if (c.get(REQUESTS_DEFAULT_TIMEOUT_MS) > c.get(REQUESTS_MAX_TIMEOUT_MS)) {
      errors.add(REQUESTS_DEFAULT_TIMEOUT_MS.key() + ": must be at most " + REQUESTS_MAX_TIMEOUT_MS.key() + " ("
          + c.get(REQUESTS_MAX_TIMEOUT_MS) + ") (" + c.source(REQUESTS_DEFAULT_TIMEOUT_MS) + ")");
    }
    if (!c.get(CONTROLLERS_INSECURE_ACCEPT_ANY_TOKEN) && c.get(TOKEN_SECRET) == null) {
      errors.add(TOKEN_SECRET.name() + ": required, at least 16 characters; or "
          + CONTROLLERS_INSECURE_ACCEPT_ANY_TOKEN.key() + "=true for development");
    }
    if (!c.get(HTTP_INSECURE_NO_API_KEYS) && API_KEYS.problem(c.get(API_KEYS)) == null
        && new ApiKeys(c.get(API_KEYS)).isEmpty()) {
      errors.add(API_KEYS.name() + ": required (see the apikey command); or " + HTTP_INSECURE_NO_API_KEYS.key()
          + "=true for development");
    }
    for (Setting<String> secret : List.of(TOKEN_SECRET, TOKEN_SECRET_PREVIOUS, CLUSTER_SECRET, CLUSTER_SECRET_PREVIOUS,
        WEBHOOK_SECRETS)) {
      if (isPlaceholder(c.get(secret))) {
        errors.add(secret.name() + ": is the example Secret's placeholder, which is public; create your own, e.g. "
            + "kubectl -n parkgate create secret generic parkgate-secrets --from-literal=" + secret.name()
            + "=\"$(head -c 32 /dev/urandom | base64)\" (k8s/README.md)");
      }
    }
    String keys = c.get(API_KEYS);
    if (keys != null && keys.contains(":" + "0".repeat(64) + ":")) {
      errors.add(API_KEYS.name() + ": holds the example Secret's placeholder key (a hash of zeros); make real keys"
          + " with the apikey command");
    }
    if (c.get(PAYMENTS_DEFAULT_VALID_FOR_S) > c.get(PAYMENTS_MAX_VALID_FOR_S)) {
      errors.add(PAYMENTS_DEFAULT_VALID_FOR_S.key() + ": must be at most " + PAYMENTS_MAX_VALID_FOR_S.key() + " ("
          + c.get(PAYMENTS_MAX_VALID_FOR_S) + ") (" + c.source(PAYMENTS_DEFAULT_VALID_FOR_S) + ")");
    }
    if (c.get(PAYMENTS_ATTEMPT_TIMEOUT_MS) > c.get(REQUESTS_MAX_TIMEOUT_MS)) {
      errors.add(PAYMENTS_ATTEMPT_TIMEOUT_MS.key() + ": must be at most " + REQUESTS_MAX_TIMEOUT_MS.key() + " ("
          + c.get(REQUESTS_MAX_TIMEOUT_MS) + "): a session waits no longer for any answer ("
          + c.source(PAYMENTS_ATTEMPT_TIMEOUT_MS) + ")");
    }
    if ("postgres".equals(c.get(PAYMENTS_STORE)) && c.get(PAYMENTS_POSTGRES_URI) == null) {
      errors.add(PAYMENTS_POSTGRES_URI.key() + ": required with " + PAYMENTS_STORE.key() + "=postgres");
    }
    String uri = c.get(PAYMENTS_POSTGRES_URI);
    if (uri != null && !c.source(PAYMENTS_POSTGRES_URI).startsWith("env") && uri.matches("(?s)[a-z]+://[^/@]*:[^/@]*@.*")) {
      errors.add(PAYMENTS_POSTGRES_URI.key() + ": no password in the URI outside the environment (it would end up in"
          + " a ConfigMap or in ps); set " + POSTGRES_PASSWORD.name() + " (" + c.source(PAYMENTS_POSTGRES_URI) + ")");
    }
    errors.addAll(webhookSecrets(c));
    if (c.get(WEBHOOKS_FIRST_RETRY_MS) > c.get(WEBHOOKS_MAX_BACKOFF_S) * 1000L) {
      errors.add(WEBHOOKS_FIRST_RETRY_MS.key() + ": must be at most " + WEBHOOKS_MAX_BACKOFF_S.key() + " ("
          + c.get(WEBHOOKS_MAX_BACKOFF_S) + " s) (" + c.source(WEBHOOKS_FIRST_RETRY_MS) + ")");
    }
    if ((c.get(CONTROLLERS_TLS_CERT) == null) != (c.get(CONTROLLERS_TLS_KEY) == null)) {
      errors.add(CONTROLLERS_TLS_CERT.key() + " / " + CONTROLLERS_TLS_KEY.key() + ": set both or neither");
    }
    return errors;
  }
}
