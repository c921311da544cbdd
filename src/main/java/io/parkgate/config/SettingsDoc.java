package io.parkgate.config;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The documents made from {@link Settings}: {@code conf/parkgate.yaml} and the README's
 * configuration table. Tests compare the files with these renderings, so they cannot drift;
 * {@code parkgate config --yaml} and {@code config --markdown} print them to regenerate.
 */
public final class SettingsDoc {

  /** The README's table is between these two lines. */
  public static final String README_BEGIN = "<!-- settings-table:begin (generated: java -jar target/parkgate.jar config --markdown) -->";
  public static final String README_END = "<!-- settings-table:end -->";

  private static final int COMMENT_COLUMN = 31;

  private SettingsDoc() {
  }

  /** {@code conf/parkgate.yaml}: every setting that may be in the file, with its default and a comment. */
  public static String yaml() {
    List<String> secrets = Settings.ALL.stream().filter(Setting::secret).map(Setting::env).toList();
    StringBuilder out = new StringBuilder()
        .append("# parkgate node configuration, generated from io.parkgate.config.Settings\n")
        .append("# (java -jar target/parkgate.jar config --yaml; a test checks this file against it).\n")
        .append("#\n")
        .append("# Precedence, lowest first: the defaults shown here < this file < environment variables < flags of\n")
        .append("# `run`. Each key names its environment variable; `java -jar target/parkgate.jar config` prints the\n")
        .append("# effective configuration and where each value came from (secrets masked), and checks it.\n")
        .append("# Secrets are never read from this file (it usually ends up in a ConfigMap): set\n")
        .append(wrap("# ", String.join(", ", secrets.subList(0, secrets.size() - 1)) + " and "
            + secrets.get(secrets.size() - 1) + " in the environment.", 100));
    List<String> open = List.of();
    for (Setting<?> s : Settings.ALL) {
      if (s.secret()) {
        continue;
      }
      List<String> path = List.of(s.key().split("\\."));
      List<String> parents = path.subList(0, path.size() - 1);
      int common = 0;
      while (common < open.size() && common < parents.size() && open.get(common).equals(parents.get(common))) {
        common++;
      }
      if (common == 0) {
        out.append('\n');
      }
      for (int depth = common; depth < parents.size(); depth++) {
        out.append("  ".repeat(depth)).append(parents.get(depth)).append(":\n");
      }
      open = parents;
      String value = yamlValue(s);
      String line = "  ".repeat(parents.size()) + path.get(path.size() - 1) + ":" + (value.isEmpty() ? "" : " " + value);
      out.append(line).append(" ".repeat(Math.max(2, COMMENT_COLUMN - line.length())))
          .append("# ").append(s.env()).append(": ").append(s.description()).append('\n');
    }
    return out.toString();
  }

  private static String yamlValue(Setting<?> s) {
    Object v = s.defaultValue();
    if (v instanceof io.vertx.core.json.JsonArray array) {
      return array.encode();
    }
    if (v instanceof List<?> list) {
      return list.isEmpty() ? "[]" : list.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
    }
    if (s.type() == Setting.Type.PORT && v == null) {
      return "\"off\"";
    }
    return v == null ? "" : s.format(v);
  }

  /** The README's configuration table, without the marker lines. */
  public static String markdownTable() {
    StringBuilder out = new StringBuilder("| Key | Env | Flag | Default | Allowed | Meaning |\n|---|---|---|---|---|---|\n");
    for (Setting<?> s : Settings.ALL) {
      out.append("| ").append(s.secret() ? "(secret)" : code(s.key()))
          .append(" | ").append(code(s.env())).append(formerly(s.oldNames().env()))
          .append(" | ").append(s.flag() == null ? "none" : code(s.flag())).append(formerly(s.oldNames().flag()))
          .append(" | ").append(defaultText(s))
          .append(" | ").append(allowed(s).replace("|", "\\|"))
          .append(" | ").append(s.description().replace("|", "\\|"))
          .append(" |\n");
    }
    return out.toString();
  }

  private static String allowed(Setting<?> s) {
    return s.type().values().isEmpty() || s.check().rule().isEmpty()
        ? s.type().values() + s.check().rule() : s.type().values() + "; " + s.check().rule();
  }

  private static String defaultText(Setting<?> s) {
    String text = s.format(s.defaultValue());
    return !text.isEmpty() ? text : s.defaultValue() instanceof List ? "empty" : "unset";
  }

  private static String formerly(String oldName) {
    return oldName == null ? "" : " (formerly " + code(oldName) + ")";
  }

  private static String code(String s) {
    return "`" + s + "`";
  }

  private static String wrap(String prefix, String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder(prefix);
    for (String word : text.split(" ")) {
      if (line.length() > prefix.length() && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line = new StringBuilder(prefix);
      }
      line.append(line.length() > prefix.length() ? " " : "").append(word);
    }
    lines.add(line.toString());
    return String.join("\n", lines) + "\n";
  }
}
