package io.parkgate.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticates the records parkgate keeps in Hazelcast (directory entries, payment records) with
 * an HMAC under a key derived from the cluster secret, so a record written or altered by anything
 * that does not hold the secret (a stranger that reached the Hazelcast port as a client or member)
 * is recognised and refused instead of routed to or replayed.
 *
 * <p>A sealed record is the text {@code s1.<mac>.<json>}: {@code mac} is the first 128 bits of
 * HMAC-SHA256(key, {@code <map>\n<key>\n<json>}), base64url without padding. The map name and the
 * record's key are part of what is signed, so a genuine record cannot be copied to another park
 * or paymentId. Entry processors running on a partition owner never see the key: they read the
 * JSON with {@link #body} and leave verification to the node that asked.
 *
 * <p>Thread-safe (one {@link Mac} per thread and key).
 */
public final class RecordSeal {

  private static final String PREFIX = "s1.";
  private static final int MAC_CHARS = 22;

  private final byte[] key;
  private final byte[] otherKey;
  private final ThreadLocal<Mac> mac;
  private final ThreadLocal<Mac> otherMac;

  RecordSeal(byte[] key, byte[] otherKey) {
    this.key = key.clone();
    this.otherKey = otherKey == null ? null : otherKey.clone();
    this.mac = ThreadLocal.withInitial(() -> newMac(this.key));
    this.otherMac = otherKey == null ? null : ThreadLocal.withInitial(() -> newMac(this.otherKey));
  }

  /** The sealed form of {@code json}, stored under {@code recordKey} in {@code map}. */
  public String seal(String map, String recordKey, String json) {
    return PREFIX + tag(mac.get(), map, recordKey, json) + "." + json;
  }

  /**
   * The JSON of a sealed record if its seal is valid under the current or the other accepted key;
   * null when the record is absent, unsealed or forged.
   */
  public String open(String map, String recordKey, String stored) {
    String json = body(stored);
    if (json == null) {
      return null;
    }
    byte[] given = stored.substring(PREFIX.length(), PREFIX.length() + MAC_CHARS).getBytes(StandardCharsets.US_ASCII);
    if (matches(mac.get(), map, recordKey, json, given)
        || (otherMac != null && matches(otherMac.get(), map, recordKey, json, given))) {
      return json;
    }
    return null;
  }

  /** Whether {@code stored} is present but does not carry a valid seal. */
  public boolean isForged(String map, String recordKey, String stored) {
    return stored != null && open(map, recordKey, stored) == null;
  }

  /**
   * The JSON part of a sealed record, not verified (for entry processors and for logging), or null
   * when {@code stored} is null or not in the sealed form.
   */
  public static String body(String stored) {
    if (stored == null || !stored.startsWith(PREFIX) || stored.length() < PREFIX.length() + MAC_CHARS + 1
        || stored.charAt(PREFIX.length() + MAC_CHARS) != '.') {
      return null;
    }
    return stored.substring(PREFIX.length() + MAC_CHARS + 1);
  }

  private static boolean matches(Mac mac, String map, String recordKey, String json, byte[] given) {
    byte[] expected = tag(mac, map, recordKey, json).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, given);
  }

  private static String tag(Mac mac, String map, String recordKey, String json) {
    mac.update((map + "\n" + recordKey + "\n").getBytes(StandardCharsets.UTF_8));
    byte[] full = mac.doFinal(json.getBytes(StandardCharsets.UTF_8));
    byte[] half = new byte[16];
    System.arraycopy(full, 0, half, 0, 16);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(half);
  }

  private static Mac newMac(byte[] key) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      return m;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
