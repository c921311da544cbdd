package io.parkgate.bus;

import java.util.regex.Pattern;

/**
 * The one strict pattern a park ID must match, enforced on both the socket and the HTTP side:
 * 1 to 64 characters, letters, digits, '.', '_' and '-', starting with a letter or digit.
 */
public final class ParkIds {

  public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private ParkIds() {
  }

  public static boolean isValid(String parkId) {
    return parkId != null && PATTERN.matcher(parkId).matches();
  }
}
