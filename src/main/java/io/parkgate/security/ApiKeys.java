package io.parkgate.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * HTTP API keys, configured as hashes only: {@code name:sha256hex:scope,scope;name:...}. Keys are
 * 32 random bytes, so a plain SHA-256 is enough (no password stretching needed); the presented
 * key is hashed and looked up, never compared in clear. Scopes: {@link #SCOPES}.
 */
public final class ApiKeys {

  public static final Set<String> SCOPES = Set.of("fee:read", "payment:write", "payment:read", "parks:read",
      "webhooks:read", "webhooks:write", "admin");

  /** One configured key: its name (for logs, never the key) and its scopes. */
  public record Key(String name, Set<String> scopes) {
  }

  private static final int MAX_VERIFIED = 10_000;

  private final Map<String, Key> byHash = new HashMap<>();
  /** Keys already verified, so a request does not hash its key again (SHA-256 showed in profiles). */
  private final Map<String, Key> verified = new java.util.concurrent.ConcurrentHashMap<>();

  /** Parses the configuration; throws IllegalArgumentException naming the bad entry. */
  public ApiKeys(String spec) {
    if (spec == null || spec.isBlank()) {
      return;
    }
    int index = 0;
    for (String entry : spec.split(";")) {
      index++;
      if (entry.isBlank()) {
        continue;
      }
      String[] parts = entry.trim().split(":", 3);
      if (parts.length != 3 || !parts[0].matches("[A-Za-z0-9._-]{1,64}") || !parts[1].matches("[0-9a-f]{64}")) {
        // never quote the entry: a raw key pasted by mistake must not reach the logs
        throw new IllegalArgumentException("entry #" + index + " must be name:sha256hex:scope,scope"
            + " (a key's hash, not the key itself: see the apikey command)");
      }
      Set<String> scopes = new LinkedHashSet<>();
      for (String scope : parts[2].split(",")) {
        if (!SCOPES.contains(scope.trim())) {
          throw new IllegalArgumentException("entry '" + parts[0] + "': unknown scope '" + scope.trim() + "'");
        }
        scopes.add(scope.trim());
      }
      byHash.put(parts[1], new Key(parts[0], Set.copyOf(scopes)));
    }
  }

  public boolean isEmpty() {
    return byHash.isEmpty();
  }

  /** The key a presented secret belongs to, or null. */
  public Key lookup(String presented) {
    if (presented == null) {
      return null;
    }
    Key known = verified.get(presented);
    if (known != null) {
      return known;
    }
    Key key = byHash.get(hash(presented));
    if (key != null && verified.size() < MAX_VERIFIED) {
      verified.put(presented, key); // only valid keys are remembered: failures cannot grow the map
    }
    return key;
  }

  public static String hash(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new random key: {@code pk_} + 32 random bytes, base64url. */
  public static String generate() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return "pk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The configuration entry for a key. */
  public static String entry(String name, String key, Set<String> scopes) {
    return name + ":" + hash(key) + ":" + String.join(",", scopes);
  }
}
