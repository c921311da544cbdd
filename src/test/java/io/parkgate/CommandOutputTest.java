package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Commands whose output goes into scripts print only what they mean on standard output, so that
 * {@code TOKEN=$(java -jar parkgate.jar token g1)} captures the token and nothing else (no logging
 * framework status lines, no banner). Run as real processes: logging is configured per JVM.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CommandOutputTest {

  private static String run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    // the main classpath only: test-classes holds logback-test.xml, which would hide the shipped logback.xml
    String classpath = String.join(java.io.File.pathSeparator, java.util.Arrays.stream(
            System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .filter(entry -> !entry.endsWith("test-classes")).toList());
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classpath, Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().putAll(env);
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", List.of(args)).isTrue();
    assertThat(p.exitValue()).as("exit status of %s", List.of(args)).isZero();
    return out;
  }

  @Test
  void tokenPrintsOnlyTheToken() throws Exception {
    String out = run(Map.of("PARKGATE_TOKEN_SECRET", "correct-horse-battery-staple"), "token", "p1");
    // the worked example of docs/protocol.md
    assertThat(out).isEqualTo("SEIvoTAMzysMey13ulf1hKwbAjxYdpN9Azyi0Noaurw\n");
  }

  @Test
  void tokenWithAParksFilePrintsOnlyCsvOneRowPerPark() throws Exception {
    Path parks = java.nio.file.Files.createTempFile("parks", ".txt");
    java.nio.file.Files.writeString(parks, "# vendor A\np1\n\nlot-2\np1\n");
    String out = run(Map.of("PARKGATE_TOKEN_SECRET", "correct-horse-battery-staple"), "token", "--parks-file",
        parks.toString());
    assertThat(out.lines().toList()).containsExactly("parkId,token", "p1,SEIvoTAMzysMey13ulf1hKwbAjxYdpN9Azyi0Noaurw",
        "lot-2," + new io.parkgate.security.ParkTokens("correct-horse-battery-staple", null).sign("lot-2"));
  }

  @Test
  void apikeyPrintsOnlyTheKeyAndItsEntry() throws Exception {
    String out = run(Map.of(), "apikey", "ops", "fee:read");
    assertThat(out.lines().toList()).hasSize(2);
    assertThat(out.lines().toList().get(0)).matches("key: +pk_[A-Za-z0-9_-]+");
    assertThat(out.lines().toList().get(1)).matches("entry: ops:[0-9a-f]{64}:fee:read");
  }
}
