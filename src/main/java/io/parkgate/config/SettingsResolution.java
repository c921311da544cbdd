package io.parkgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading the {@link Settings} table's values: from the defaults, the YAML file, the environment
 * and the flags, in that order of precedence ({@link #resolve}), then parsed and checked into a
 * {@link ParkgateConfig} ({@link #toConfig}). Kept apart from the table so that {@code Settings}
 * is the rows alone (their order is that of conf/parkgate.yaml and the README).
 */
public final class SettingsResolution {

  private SettingsResolution() {
  }

  /** Where a value came from, for {@code parkgate config}. */
  public record Resolved(Setting<?> setting, String value, String source) {
    public String key() {
      return setting.key();
    }

    public String shown() {
      return setting.secret() && value != null ? "***" : String.valueOf(value);
    }
  }

  /**
   * Resolves every setting from the YAML document, the environment and the flags given.
   *
   * @param yaml  the YAML file as JSON (nested objects), possibly empty
   * @param env   the environment
   * @param flags values given on the command line, by setting key
   * @throws ConfigException naming every bad key and why
   */
  public static Map<String, Resolved> resolve(JsonObject yaml, Map<String, String> env, Map<String, String> flags) {
    Map<String, Resolved> out = new LinkedHashMap<>();
    List<String> errors = new ArrayList<>();
    for (Setting<?> s : Settings.ALL) {
      String value = s.defaultValue() == null ? null : s.format(s.defaultValue());
      String source = "default";
      Object inYaml = s == Settings.WEBHOOKS_SUBSCRIPTIONS && yaml.getValue(Settings.WEBHOOKS_SHORT_FORM) instanceof JsonArray list
          ? list : lookup(yaml, s.key());
      if (s.secret() && inYaml != null) {
        errors.add(s.key() + ": secrets are read from the environment (" + s.env() + ") only, never from the file");
      } else if (inYaml != null) {
        value = inYaml instanceof JsonArray a ? (s.type() == Setting.Type.JSON_ARRAY ? a.encode()
            : String.join(",", a.stream().map(String::valueOf).toList())) : String.valueOf(inYaml);
        source = "file";
      }
      String oldEnv = s.oldNames().env();
      if (env.get(s.env()) != null) {
        value = env.get(s.env());
        source = "env " + s.env();
      } else if (oldEnv != null && env.get(oldEnv) != null) {
        value = env.get(oldEnv);
        source = "env " + oldEnv + " (old name of " + s.env() + ")";
      }
      if (!s.secret() && flags.get(s.key()) != null) {
        value = flags.get(s.key());
        source = "flag";
      }
      out.put(s.key(), new Resolved(s, value, source));
    }
    for (String unknown : unknownKeys(yaml, "")) {
      errors.add(unknown + ": unknown setting");
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(String.join("; ", errors));
    }
    return out;
  }

  /** Parses and checks resolved values; the message names every bad key, why, and where it came from. */
  public static ParkgateConfig toConfig(Map<String, Resolved> resolved) {
    ParkgateConfig.Builder builder = ParkgateConfig.builder();
    List<String> errors = new ArrayList<>();
    for (Setting<?> s : Settings.ALL) {
      Resolved r = resolved.get(s.key());
      try {
        builder.parse(s, r.value(), r.source());
      } catch (IllegalArgumentException e) {
        errors.add(s.name() + ": " + e.getMessage() + " (" + r.source() + ")");
      }
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(String.join("; ", errors));
    }
    return builder.build();
  }

  private static Object lookup(JsonObject yaml, String key) {
    Object node = yaml;
    for (String part : key.split("\\.")) {
      if (!(node instanceof JsonObject o)) {
        return null;
      }
      node = o.getValue(part);
    }
    return node instanceof JsonObject ? null : node;
  }

  private static List<String> unknownKeys(JsonObject yaml, String prefix) {
    List<String> unknown = new ArrayList<>();
    for (String field : yaml.fieldNames()) {
      String key = prefix + field;
      if (yaml.getValue(field) instanceof JsonObject nested) {
        unknown.addAll(unknownKeys(nested, key + "."));
      } else if (Settings.ALL.stream().noneMatch(s -> s.key().equals(key))
          && !(key.equals(Settings.WEBHOOKS_SHORT_FORM) && yaml.getValue(field) instanceof JsonArray)) {
        unknown.add(key);
      }
    }
    return unknown;
  }
}
