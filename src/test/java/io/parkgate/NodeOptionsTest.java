package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parkgate.config.ParkgateConfig;
import io.parkgate.config.Setting;
import io.parkgate.config.Settings;
import io.parkgate.config.SettingsResolution;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The flags of run, demo and config are built from the table of settings and land in the precedence. */
class NodeOptionsTest {

  private static final Map<String, String> SECRETS = Map.of(
      "PARKGATE_TOKEN_SECRET", "0123456789abcdef0123", "PARKGATE_INSECURE_NO_API_KEYS", "true");

  private static NodeOptions parse(String... args) {
    CommandLine.ParseResult result = Main.commandLine().parseArgs(args);
    return (NodeOptions) result.subcommand().commandSpec().mixins().get("node").userObject();
  }

  @Test
  void everyFlagOfTheTableIsAnOptionOfRunDemoAndConfig() {
    CommandLine root = Main.commandLine();
    for (String command : List.of("run", "demo", "config")) {
      List<String> names = root.getSubcommands().get(command).getCommandSpec().options().stream()
          .flatMap(o -> List.of(o.names()).stream()).toList();
      for (Setting<?> s : Settings.ALL) {
        if (s.flag() != null) {
          assertThat(names).as("%s has %s", command, s.flag()).contains(s.flag());
        }
      }
      assertThat(names).as(command).contains("--config").noneMatch(n -> n.contains("secret")).doesNotContain("--api-keys");
    }
    OptionSpec port = root.getSubcommands().get("run").getCommandSpec().findOption("--http-port");
    assertThat(port.description()[0]).contains("http.port", "PARKGATE_HTTP_PORT", "default 8080");
  }

  @Test
  void flagsAreRecordedByKeyAndBooleanFlagsAloneMeanTrue() {
    NodeOptions node = parse("run", "--http-port", "off", "--legacy-allowed-parks", "a,b*",
        "--insecure-accept-any-token", "--insecure-no-api-keys", "false");
    assertThat(node.flags()).isEqualTo(Map.of("http.port", "off", "legacy.allowedParks", "a,b*",
        "controllers.insecureAcceptAnyToken", "true", "http.insecureNoApiKeys", "false"));
    assertThat(parse("config").flags()).isEmpty();
  }

  @Test
  void aFlagOverridesTheEnvironment() {
    // GIVEN the environment sets the HTTP port and a flag sets it again
    Map<String, String> env = new java.util.HashMap<>(SECRETS);
    env.put("PARKGATE_HTTP_PORT", "9100");
    NodeOptions node = parse("config", "--http-port", "9000", "--drain-grace-ms", "5");
    // WHEN the node resolves its configuration
    Map<String, SettingsResolution.Resolved> resolved = node.resolve(env);
    ParkgateConfig config = SettingsResolution.toConfig(resolved);
    // THEN the flag wins, and says so
    assertThat(resolved.get("http.port").source()).isEqualTo("flag");
    assertThat(config.httpPort()).isEqualTo(9000);
    assertThat(config.drainGraceMs()).isEqualTo(5);
  }

  @Test
  void secretsHaveNoFlag() {
    assertThatThrownBy(() -> parse("run", "--token-secret", "0123456789abcdef0123"))
        .isInstanceOf(CommandLine.UnmatchedArgumentException.class);
  }
}
