package io.parkgate.testing;

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

/**
 * A {@link ForkedNode} in a JVM of its own, started and stopped by a test: its ports once ready,
 * its log, its peak memory, and a real {@code kill -9}.
 */
public final class ForkedNodeProcess implements AutoCloseable {

  private static final Pattern READY = Pattern.compile(ForkedNode.READY + " http=(\\d+) device=(\\d+)");

  private final Process process;
  private final Path log;
  private final int httpPort;
  private final int controllerPort;

  private ForkedNodeProcess(Process process, Path log, int httpPort, int controllerPort) {
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
    this.controllerPort = controllerPort;
  }

  /**
   * Starts a node of {@code cluster} with the given JVM flags and heartbeat, and waits (at most 60 s)
   * until it prints its ports.
   */
  public static ForkedNodeProcess start(List<String> jvmFlags, String cluster, long heartbeatMs, int idleHeartbeats)
      throws IOException {
    Path log = Files.createTempFile("parkgate-forked-node", ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    // the module flags Hazelcast wants, as surefire passes them to this JVM
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-") || a.startsWith("-Dhazelcast")).forEach(command::add);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), ForkedNode.class.getName(),
        cluster, String.valueOf(heartbeatMs), String.valueOf(idleHeartbeats)));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Matcher[] ready = new Matcher[1];
    TestNodes.poll(Duration.ofSeconds(60), () -> {
      Matcher m = READY.matcher(read(log));
      if (m.find()) {
        ready[0] = m;
      }
      return ready[0] != null || !process.isAlive();
    });
    if (ready[0] == null) {
      String tail = tail(log);
      process.destroyForcibly();
      throw new IllegalStateException("forked node did not start; its log:\n" + tail);
    }
    return new ForkedNodeProcess(process, log, Integer.parseInt(ready[0].group(1)), Integer.parseInt(ready[0].group(2)));
  }

  public int httpPort() {
    return httpPort;
  }

  public int controllerPort() {
    return controllerPort;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no goodbye to the cluster or to the controllers. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGSTOP (true) or SIGCONT (false): a frozen process, as a long GC pause or a frozen VM; its sockets stay open. */
  public void freeze(boolean frozen) throws IOException, InterruptedException {
    new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", String.valueOf(process.pid())).inheritIO().start()
        .waitFor(10, TimeUnit.SECONDS);
  }

  /** The process's peak resident set (VmHWM), from /proc. */
  public long rssPeakKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new IllegalStateException("no VmHWM in /proc/" + process.pid() + "/status");
  }

  /** The end of its log. */
  public String tail() {
    return tail(log);
  }

  private static String tail(Path log) {
    String text = read(log);
    return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    Files.deleteIfExists(log);
  }
}
