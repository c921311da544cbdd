package io.parkgate.webhook;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The signing secrets of the webhook subscriptions, from the environment only
 * ({@code PARKGATE_WEBHOOK_SECRETS=name=secret;name=secret}): a subscription's {@code secret} field
 * names its entry, so the configuration file (a ConfigMap) never holds a secret. A secret is at
 * least {@link #MIN_LENGTH} characters and may hold {@code =} (base64 padding), never {@code ;}.
 */
public final class WebhookSecrets {

  public static final int MIN_LENGTH = 16;

  private final Map<String, String> byName;

  private WebhookSecrets(Map<String, String> byName) {
    this.byName = Map.copyOf(byName);
  }

  /** Parses the variable's value (null = none); throws IllegalArgumentException naming the entry, never its secret. */
  public static WebhookSecrets parse(String spec) {
    Map<String, String> out = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      return new WebhookSecrets(out);
    }
    int index = 0;
    for (String entry : spec.split(";")) {
      index++;
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      String name = eq < 0 ? "" : entry.substring(0, eq).trim();
      if (!WebhookSubscription.NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("entry #" + index + " must be name=secret (name: letters, digits, _ or -)");
      }
      String secret = entry.substring(eq + 1).trim();
      if (secret.length() < MIN_LENGTH) {
        throw new IllegalArgumentException("entry '" + name + "': the secret must be at least " + MIN_LENGTH
            + " characters");
      }
      if (out.put(name, secret) != null) {
        throw new IllegalArgumentException("entry '" + name + "' is given twice");
      }
    }
    return new WebhookSecrets(out);
  }

  /** The secret named {@code name}, or null. */
  public String get(String name) {
    return byName.get(name);
  }
}
