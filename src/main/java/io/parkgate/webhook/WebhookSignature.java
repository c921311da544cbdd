package io.parkgate.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a POST is signed (docs/webhooks.md has the receiver's side): header
 * {@value #TIMESTAMP_HEADER} is the attempt's Unix time in seconds, and {@value #SIGNATURE_HEADER}
 * is {@code v1=} followed by the lowercase hex HMAC-SHA256, keyed with the subscription's secret
 * (its UTF-8 bytes), of {@code <timestamp> + "." + <the raw body bytes>}. A receiver recomputes it
 * over the body exactly as received, compares in constant time, and refuses timestamps too far
 * from its clock (5 minutes is usual), which makes a captured request useless later.
 */
public final class WebhookSignature {

  public static final String SIGNATURE_HEADER = "Parkgate-Signature";
  public static final String TIMESTAMP_HEADER = "Parkgate-Timestamp";
  /** The notification's id, also in the body: what receivers dedupe on. */
  public static final String EVENT_ID_HEADER = "Parkgate-Event-Id";
  /** The delivery's id ({@code subscription~park~seq}): what the deliveries endpoint shows. */
  public static final String DELIVERY_HEADER = "Parkgate-Delivery";
  /** 1 for the first POST of a delivery, then 2, 3, ... */
  public static final String ATTEMPT_HEADER = "Parkgate-Attempt";

  private WebhookSignature() {
  }

  /** The header value for {@code body} sent at {@code timestampSeconds}. */
  public static String sign(String secret, long timestampSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestampSeconds + ".").getBytes(StandardCharsets.US_ASCII));
      return "v1=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
