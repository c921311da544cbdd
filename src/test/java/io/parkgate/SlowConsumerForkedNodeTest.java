package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.ForkedNode;
import io.parkgate.testing.Http;
import io.parkgate.testing.Metrics;
import io.parkgate.testing.PingFlood;
import io.parkgate.testing.TestController;
import io.parkgate.testing.TestNodes;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The slow-consumer defence against a real node process with the Dockerfile's JVM flags and a
 * small heap: before it, one controller flooding pings without reading made such a node fill its
 * heap with queued pongs and exit on OutOfMemoryError, taking every other park on it offline.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlowConsumerForkedNodeTest {

  /** The Dockerfile's JAVA_TOOL_OPTIONS, with a heap small enough that a flood exhausts it in seconds. */
  static final List<String> DOCKERFILE_FLAGS = List.of("-XX:MaxRAMPercentage=65", "-XX:MaxDirectMemorySize=128m",
      "-XX:+ExitOnOutOfMemoryError", "-Djava.net.preferIPv4Stack=true");
  static final String HEAP = "-Xmx96m";
  static final long HEARTBEAT_MS = 500;
  /** A long idle timeout, so that the neighbour need not heartbeat while the test waits. */
  static final int IDLE_HEARTBEATS = 120;
  private static final Pattern READY = Pattern.compile(ForkedNode.READY + " http=(\\d+) device=(\\d+)");

  private Process process;
  private Path log;

  @AfterEach
  void stopProcess() throws Exception {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (log != null) {
      Files.deleteIfExists(log);
    }
  }

  @Test
  void aNodeWithTheDockerfileHeapFlagsSurvivesAPingFloodThatNeverReads() throws Exception {
    // GIVEN a node in its own JVM with the Dockerfile's flags and a 96 MiB heap, and a well-behaved park on it
    Matcher ports = startNode();
    Http http = new Http(Integer.parseInt(ports.group(1)));
    int controllerPort = Integer.parseInt(ports.group(2));
    try (TestController neighbour = TestController.online(controllerPort, "fork-neighbour");
         PingFlood flood = PingFlood.online(controllerPort, "fork-flooder")) {
      long rssBeforeKb = rssPeakKb();

      // WHEN a second park floods pings and never reads the answers
      flood.start();

      // THEN the node closes the flooder (and does not die doing so)
      boolean closed = TestNodes.poll(Duration.ofSeconds(60), () -> !process.isAlive()
          || offline(http, "fork-flooder"));
      assertThat(process.isAlive()).as("node process alive; its log:\n%s", tail()).isTrue();
      assertThat(closed).as("flooder closed").isTrue();
      assertThat(Metrics.value(http, "parkgate_sessions_closed_total", "reason=\"slow_consumer\"")).isEqualTo(1);

      // AND the neighbour still gets answers, and the node's memory stayed bounded
      neighbour.send(new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "ping"));
      assertThat(readPong(neighbour)).isTrue();
      assertThat(http.get("/api/v1/parks/fork-neighbour").status()).isEqualTo(200);
      long rssGrowthKb = rssPeakKb() - rssBeforeKb;
      double heapUsed = Metrics.value(http, "jvm_memory_used_bytes", "area=\"heap\"");
      System.out.printf("forked node: %d pings sent, peak RSS grew %d KiB, heap used %.1f MiB after the flood%n",
          flood.pingsSent(), rssGrowthKb, heapUsed / (1 << 20));
      assertThat(rssGrowthKb).as("peak RSS growth during the flood, KiB").isLessThan(64 * 1024);
    }
  }

  private static boolean offline(Http http, String parkId) {
    try {
      return http.get("/api/v1/parks/" + parkId).status() == 404;
    } catch (RuntimeException e) {
      return false; // the node is dying: the next poll sees it
    }
  }

  private static boolean readPong(TestController gate) throws IOException {
    // the neighbour never heartbeated during the flood: lines it was sent before are skipped
    for (int i = 0; i < 100; i++) {
      JsonObject line = gate.read();
      if (Integer.valueOf(1).equals(line.getValue("id")) && line.containsKey("result")) {
        return true;
      }
    }
    return false;
  }

  private Matcher startNode() throws IOException {
    log = Files.createTempFile("parkgate-forked-node", ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(DOCKERFILE_FLAGS);
    command.add(HEAP);
    // the module flags Hazelcast wants, as surefire passes them to this JVM
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-") || a.startsWith("-Dhazelcast")).forEach(command::add);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), ForkedNode.class.getName(),
        TestNodes.newClusterName(), String.valueOf(HEARTBEAT_MS), String.valueOf(IDLE_HEARTBEATS)));
    process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Matcher[] ready = new Matcher[1];
    boolean started = TestNodes.poll(Duration.ofSeconds(60), () -> {
      Matcher m = READY.matcher(read(log));
      if (m.find()) {
        ready[0] = m;
      }
      return ready[0] != null || !process.isAlive();
    });
    assertThat(started && ready[0] != null).as("forked node ready; its log:\n%s", tail()).isTrue();
    return ready[0];
  }

  /** The process's peak resident set (VmHWM), from /proc. */
  private long rssPeakKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new IllegalStateException("no VmHWM in /proc/" + process.pid() + "/status");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  private String tail() {
    String text = read(log);
    return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
  }
}
