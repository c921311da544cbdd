package io.parkgate.config;

/** An invalid setting; the message names the key and the reason. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
