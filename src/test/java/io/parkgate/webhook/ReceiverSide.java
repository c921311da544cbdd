package io.parkgate.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The receiver's check, written exactly as docs/webhooks.md shows it ("Verifying a request", Java):
 * the tests verify every POST with it, so the recipe in the docs is the one that works.
 */
final class ReceiverSide {

  private ReceiverSide() {
  }

  // --- begin: as in docs/webhooks.md ---
  static boolean verify(String secret, String timestampHeader, String signatureHeader, byte[] rawBody,
      long nowSeconds) throws Exception {
    long timestamp = Long.parseLong(timestampHeader);
    if (Math.abs(nowSeconds - timestamp) > 300) {
      return false; // too old (or from the future): a replay
    }
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    mac.update((timestampHeader + ".").getBytes(StandardCharsets.UTF_8));
    byte[] expected = mac.doFinal(rawBody);
    StringBuilder hex = new StringBuilder("v1=");
    for (byte b : expected) {
      hex.append(String.format("%02x", b));
    }
    return MessageDigest.isEqual(hex.toString().getBytes(StandardCharsets.UTF_8),
        signatureHeader.getBytes(StandardCharsets.UTF_8));
  }
  // --- end ---
}
