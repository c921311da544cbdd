package io.parkgate.webhook;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One webhook subscription from {@code webhooks.subscriptions}: where to POST, which secret signs,
 * and which notification types it wants.
 *
 * @param name       stable identity of the subscription's queues and deliveries; given, or made
 *                   from the URL ({@code s-} + 10 hex digits of its SHA-256), so reordering the
 *                   list or adding one never re-routes what is queued
 * @param url        http or https URL the notifications are POSTed to
 * @param secretName the entry of {@code PARKGATE_WEBHOOK_SECRETS} whose value signs the POSTs
 * @param events     types ({@code payment.confirmed}), prefixes ({@code park.*}) or {@code *}
 */
public record WebhookSubscription(String name, String url, String secretName, List<String> events) {

  static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,40}");
  static final Pattern EVENT = Pattern.compile("\\*|[a-z][a-z0-9_]*\\.(\\*|[a-z][a-z0-9_]*)");

  public WebhookSubscription {
    events = List.copyOf(events);
  }

  /** Whether notifications of {@code type} go to this subscription. */
  public boolean wants(String type) {
    for (String e : events) {
      if (e.equals("*") || e.equals(type) || (e.endsWith(".*") && type.startsWith(e.substring(0, e.length() - 1)))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Parses the configured list; throws IllegalArgumentException naming the bad entry (by index and
   * URL) and what is wrong with it.
   */
  public static List<WebhookSubscription> parseAll(JsonArray list) {
    List<WebhookSubscription> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof JsonObject o)) {
        throw new IllegalArgumentException("entry #" + i + " must be an object {url, secret, events}");
      }
      WebhookSubscription s = parse(i, o);
      if (!names.add(s.name())) {
        throw new IllegalArgumentException("entry #" + i + ": the name " + s.name() + " is used twice");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  private static WebhookSubscription parse(int i, JsonObject o) {
    String where = "entry #" + i;
    for (String field : o.fieldNames()) {
      if (!Set.of("name", "url", "secret", "events").contains(field)) {
        throw new IllegalArgumentException(where + ": unknown field " + field + " (name, url, secret, events)");
      }
    }
    if (!(o.getValue("url") instanceof String url) || !isHttpUrl(url)) {
      throw new IllegalArgumentException(where + ": url must be an http:// or https:// URL with a host");
    }
    where += " (" + url + ")";
    if (!(o.getValue("secret") instanceof String secret) || !NAME.matcher(secret).matches()) {
      throw new IllegalArgumentException(where + ": secret must name an entry of PARKGATE_WEBHOOK_SECRETS"
          + " (letters, digits, _ and -), never the secret itself");
    }
    Object rawName = o.getValue("name");
    if (rawName != null && !(rawName instanceof String n && NAME.matcher(n).matches())) {
      throw new IllegalArgumentException(where + ": name must be 1 to 40 letters, digits, _ or -");
    }
    if (!(o.getValue("events") instanceof JsonArray events) || events.isEmpty()) {
      throw new IllegalArgumentException(where + ": events must be a non-empty list of types, prefixes (park.*) or *");
    }
    List<String> wanted = new ArrayList<>();
    for (Object e : events) {
      if (!(e instanceof String type) || !EVENT.matcher(type).matches()) {
        throw new IllegalArgumentException(where + ": event '" + e + "' is not a type (payment.confirmed),"
            + " a prefix (park.*) or *");
      }
      wanted.add(type);
    }
    String name = rawName != null ? (String) rawName : "s-" + sha256Hex(url).substring(0, 10);
    return new WebhookSubscription(name, url, secret, wanted);
  }

  private static boolean isHttpUrl(String url) {
    try {
      URI uri = new URI(url);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
