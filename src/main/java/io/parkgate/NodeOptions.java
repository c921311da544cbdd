package io.parkgate;

import io.parkgate.config.ConfigException;
import io.parkgate.config.ConfigLoader;
import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Setting;
import io.parkgate.config.Settings;
import io.parkgate.config.SettingsResolution;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * Command-line flags of {@code run}, {@code demo} and {@code config}: {@code --config}, and one flag
 * per row of {@link Settings} that has one, built from the table by {@link #addSettingFlags}. A flag
 * overrides the environment variable, which overrides {@code conf/parkgate.yaml}, which overrides
 * the default. Secrets have no flags: flags show in {@code ps}.
 */
final class NodeOptions {

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML configuration file (env PARKGATE_CONFIG; default conf/parkgate.yaml if present)")
  String configFile;

  private final Map<String, String> flags = new LinkedHashMap<>();

  /** Adds the settings' flags to every subcommand of {@code root} that mixes in NodeOptions. */
  static CommandLine addSettingFlags(CommandLine root) {
    for (CommandLine sub : root.getSubcommands().values()) {
      CommandSpec spec = sub.getCommandSpec();
      spec.mixins().values().stream().map(CommandSpec::userObject).filter(NodeOptions.class::isInstance)
          .map(NodeOptions.class::cast).forEach(node -> node.addFlagsTo(spec));
    }
    return root;
  }

  private void addFlagsTo(CommandSpec spec) {
    for (Setting<?> s : Settings.ALL) {
      if (s.flag() == null) {
        continue;
      }
      boolean bool = s.type() == Setting.Type.BOOL;
      String[] names = s.oldNames().flag() == null ? new String[0] : new String[] {s.oldNames().flag()};
      OptionSpec.Builder option = OptionSpec.builder(s.flag(), names)
          .type(String.class)
          .paramLabel(s.type().label())
          .description(s.key() + ": " + s.description() + " (env " + s.env()
              + (s.oldNames().env() == null ? "" : " or " + s.oldNames().env()) + "; default "
              + (s.defaultValue() == null ? "unset" : s.format(s.defaultValue())) + ")")
          .setter(new CommandLine.Model.ISetter() {
            @Override
            public <T> T set(T value) {
              if (value == null) {
                flags.remove(s.key());
              } else {
                flags.put(s.key(), value.toString());
              }
              return null;
            }
          });
      if (bool) {
        option.arity("0..1").fallbackValue("true");
      }
      spec.addOption(option.build());
    }
  }

  /** The flags given, by setting key. */
  Map<String, String> flags() {
    return Map.copyOf(flags);
  }

  /** Every setting with its value and source; reads the YAML file with a short-lived Vert.x. */
  Map<String, SettingsResolution.Resolved> resolve(Map<String, String> env) {
    String file = configFile != null ? configFile : env.get(Settings.CONFIG_FILE_ENV);
    Vertx vertx = Vertx.vertx();
    try {
      return ConfigLoader.resolve(vertx, file, env, flags()).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof ConfigException c ? c : new ConfigException(String.valueOf(e.getCause()));
    } catch (InterruptedException | TimeoutException e) {
      throw new ConfigException("config: could not be read in time");
    } finally {
      vertx.close();
    }
  }

  ParkgateConfig toConfig() {
    return SettingsResolution.toConfig(resolve(System.getenv()));
  }
}
