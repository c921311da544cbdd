package io.parkgate.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * One setting of a node: its YAML key, environment variable, command-line flag, typed default,
 * description and check. Every setting is a row of {@link Settings}; the YAML file, the flags, the
 * {@code config} command and the README's table are all made from these rows.
 *
 * @param key          dotted key in {@code conf/parkgate.yaml}; secrets have {@code secrets.<ENV>}
 * @param env          environment variable
 * @param flag         command-line flag of {@code run}, {@code demo} and {@code config}; null = none
 * @param type         how a value is parsed and written
 * @param defaultValue the default; null = unset
 * @param check        what a value must satisfy (its rule is shown in the README and in errors)
 * @param description  one line for the YAML comment, the flag's help and the README
 * @param secret       environment only (never in the file, no flag) and masked whenever printed
 * @param oldNames     earlier names of the environment variable and flag, still accepted (the
 *                     current name wins when both are given); shown in the README and the help
 * @param index        the row's position in {@link Settings#ALL}: a resolved value is read from an
 *                     array by it ({@link ParkgateConfig#get}), since some are read on every request
 * @param <T>          the value's type
 */
public record Setting<T>(String key, String env, String flag, Type<T> type, T defaultValue, Check<? super T> check,
    String description, boolean secret, OldNames oldNames, int index) {

  /** Earlier names a setting is still read under: an environment variable and a flag, either may be null. */
  public record OldNames(String env, String flag) {
    public static final OldNames NONE = new OldNames(null, null);
  }

  /** The same setting, also read under its earlier names. */
  public Setting<T> formerly(String oldEnv, String oldFlag) {
    return new Setting<>(key, env, flag, type, defaultValue, check, description, secret, new OldNames(oldEnv, oldFlag), index);
  }

  /** How operators name the setting in messages: the key, or for a secret its environment variable. */
  public String name() {
    return secret ? env : key;
  }

  /** @throws IllegalArgumentException naming the bad value (never the value of a secret) */
  public T parse(String raw) {
    return type.parse(raw);
  }

  /** The value as written in YAML, flags and the README. */
  public String format(Object value) {
    return type.format(type.cast(value));
  }

  /** The value as printed: secrets masked. */
  public String shown(Object value) {
    return secret ? (value == null ? "unset" : "***") : format(value);
  }

  /** Null when {@code value} is acceptable, else why not ("must be 1..64"). */
  public String problem(Object value) {
    return check.problem(type.cast(value));
  }

  /**
   * A value type: parser, writer and the label shown for flags.
   *
   * @param javaType the Java class of the values
   * @param label    the flag's parameter label
   * @param values   the values the type itself admits, for the README ("true, false"); empty = any
   * @param parser   raw text (trimmed, possibly null) to value
   * @param writer   value to text
   * @param <T>      the value's type
   */
  public record Type<T>(Class<T> javaType, String label, String values, Function<String, T> parser,
      Function<T, String> writer) {

    /** A port 0..65535, or {@code off} (null). YAML reads a bare {@code off} as false. */
    public static final Type<Integer> PORT = new Type<>(Integer.class, "PORT|off", "0..65535, off", Type::port,
        p -> p == null ? "off" : p.toString());
    public static final Type<Integer> INT = new Type<>(Integer.class, "N", "", v -> number(v, Integer::valueOf),
        String::valueOf);
    public static final Type<Long> LONG = new Type<>(Long.class, "N", "", v -> number(v, Long::valueOf), String::valueOf);
    public static final Type<Boolean> BOOL = new Type<>(Boolean.class, "true|false", "true, false", Type::bool, String::valueOf);
    /** Text; empty = unset (null). */
    public static final Type<String> STRING = new Type<>(String.class, "TEXT", "", v -> v == null || v.isEmpty() ? null : v,
        v -> v == null ? "" : v);
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final Type<List<String>> LIST = new Type<List<String>>((Class) List.class, "A,B,...", "",
        v -> v == null || v.isEmpty() ? List.of()
            : Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList(),
        (List<String> v) -> String.join(",", v));
    /** A JSON array (of objects, for instance), written as JSON text in the environment; empty = []. */
    public static final Type<io.vertx.core.json.JsonArray> JSON_ARRAY = new Type<>(io.vertx.core.json.JsonArray.class,
        "JSON", "", Type::jsonArray, io.vertx.core.json.JsonArray::encode);

    T parse(String raw) {
      return parser.apply(raw == null ? null : raw.trim());
    }

    String format(T value) {
      return writer.apply(value);
    }

    T cast(Object value) {
      return javaType.cast(value);
    }

    private static Integer port(String v) {
      if (v == null || v.equalsIgnoreCase("off") || v.equals("false")) {
        return null;
      }
      try {
        int port = Integer.parseInt(v);
        if (port >= 0 && port <= 65535) {
          return port;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      throw new IllegalArgumentException("'" + v + "' is not a port (0..65535) or 'off'");
    }

    private static <N> N number(String v, Function<String, N> parse) {
      try {
        return parse.apply(v);
      } catch (NumberFormatException | NullPointerException e) {
        throw new IllegalArgumentException("'" + v + "' is not an integer");
      }
    }

    private static io.vertx.core.json.JsonArray jsonArray(String v) {
      if (v == null || v.isEmpty()) {
        return new io.vertx.core.json.JsonArray();
      }
      try {
        return new io.vertx.core.json.JsonArray(v);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("not a JSON array: " + e.getMessage());
      }
    }

    private static Boolean bool(String v) {
      if ("true".equalsIgnoreCase(v) || "false".equalsIgnoreCase(v)) {
        return Boolean.parseBoolean(v);
      }
      throw new IllegalArgumentException("'" + v + "' is not true or false");
    }
  }

  /**
   * What a value must satisfy.
   *
   * @param rule    shown in the README ("1..64", "≥ 100"); empty = anything
   * @param problem null when the value is fine, else the reason ("must be 1..64")
   * @param <T>     the value's type
   */
  public record Check<T>(String rule, Function<T, String> problem) {

    public static final Check<Object> ANY = new Check<>("", v -> null);

    public String problem(T value) {
      return problem.apply(value);
    }

    /** lo..hi inclusive; null (a port that is off) passes. */
    public static Check<Number> range(long lo, long hi) {
      return new Check<>(lo + ".." + hi,
          v -> v == null || (v.longValue() >= lo && v.longValue() <= hi) ? null : "must be " + lo + ".." + hi);
    }

    public static Check<Number> atLeast(long lo) {
      return new Check<>("≥ " + lo, v -> v != null && v.longValue() >= lo ? null : "must be at least " + lo);
    }

    public static Check<String> notBlank() {
      return new Check<>("not empty", v -> v != null && !v.isBlank() ? null : "must not be empty");
    }

    /** Unset, or at least {@code n} characters (for secrets: never echoes the value). */
    public static Check<String> minLengthWhenSet(int n) {
      return new Check<>("≥ " + n + " chars",
          v -> v == null || v.length() >= n ? null : "at least " + n + " characters when set");
    }

    public static Check<String> matches(String regex, String rule, String reason) {
      return new Check<>(rule, v -> v != null && v.matches(regex) ? null : reason);
    }

    /** Unset, or a readable file. */
    public static Check<String> readableFile() {
      return new Check<>("readable file",
          v -> v == null || Files.isReadable(Path.of(v)) ? null : "file not readable: " + v);
    }

    /** Every element passes {@code element} (a function returning the problem or null). */
    public static Check<List<String>> each(String rule, Function<String, String> element) {
      return new Check<>(rule, list -> list.stream().map(element).filter(p -> p != null).findFirst().orElse(null));
    }

    /** A check whose problem comes from a parser that throws IllegalArgumentException. */
    public static <T> Check<T> parses(String rule, java.util.function.Consumer<T> parser) {
      return new Check<>(rule, v -> {
        try {
          parser.accept(v);
          return null;
        } catch (IllegalArgumentException e) {
          return e.getMessage();
        }
      });
    }
  }
}
