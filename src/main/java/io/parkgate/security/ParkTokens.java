package io.parkgate.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Controller tokens: {@code base64url(HMAC-SHA256(secret, parkId))} without padding. A token is
 * valid for exactly one park ID, so no per-park database is needed; rotating the cluster secret
 * rotates every token (the previous secret stays accepted during the rotation).
 */
public final class ParkTokens {

  private static final String ALGORITHM = "HmacSHA256";

  private final List<byte[]> secrets;

  /**
   * @param current  the secret new tokens are signed with
   * @param previous the secret being rotated out (still accepted), or null
   */
  public ParkTokens(String current, String previous) {
    if (current == null || current.length() < 16) {
      throw new IllegalArgumentException("token secret must be at least 16 characters");
    }
    this.secrets = previous == null || previous.isEmpty()
        ? List.of(current.getBytes(StandardCharsets.UTF_8))
        : List.of(current.getBytes(StandardCharsets.UTF_8), previous.getBytes(StandardCharsets.UTF_8));
  }

  /** The token for a park under the current secret. */
  public String sign(String parkId) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(secrets.get(0), parkId));
  }

  /** Whether {@code token} is the park's token under the current or the previous secret (constant time). */
  public boolean verify(String parkId, String token) {
    return match(parkId, token) >= 0;
  }

  /**
   * Which secret {@code token} is the park's token under: 0 the current, 1 the previous, -1 none.
   * Every secret is tried whatever the outcome (constant time).
   */
  public int match(String parkId, String token) {
    byte[] presented;
    try {
      presented = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      return -1;
    }
    int found = -1;
    for (int i = secrets.size() - 1; i >= 0; i--) {
      if (MessageDigest.isEqual(mac(secrets.get(i), parkId), presented)) {
        found = i;
      }
    }
    return found;
  }

  private static byte[] mac(byte[] secret, String parkId) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(secret, ALGORITHM));
      return mac.doFinal(parkId.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
