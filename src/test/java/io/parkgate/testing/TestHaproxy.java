package io.parkgate.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real HAProxy (Debian's package, installed by scripts/test-env) in front of a test node, run in
 * the foreground as a child process and killed on close. Missing, a test that needs it fails
 * under CI (CI=true) and is skipped elsewhere.
 */
public final class TestHaproxy implements AutoCloseable {

  private static final Path BINARY = Path.of("/usr/sbin/haproxy");

  private final Process process;
  private final int port;
  private final Path config;

  private TestHaproxy(Process process, int port, Path config) {
    this.process = process;
    this.port = port;
    this.config = config;
  }

  /**
   * Starts a tcp-mode proxy on a free loopback port to {@code backendPort}, with
   * {@code serverOptions} on its server line (e.g. {@code send-proxy-v2}); returns once it accepts.
   */
  public static TestHaproxy tcp(int backendPort, String serverOptions) throws IOException {
    return tcp("roundrobin", serverOptions, backendPort);
  }

  /**
   * A tcp-mode proxy over several backends with the {@code balance} algorithm (e.g.
   * {@code leastconn}), each health-checked every 200 ms (a backend not listening yet is down
   * and gets nothing until it is).
   */
  public static TestHaproxy tcp(String balance, String serverOptions, int... backendPorts) throws IOException {
    return tcp(balance, serverOptions, null, backendPorts);
  }

  /**
   * As {@link #tcp(String, String, int...)}, health-checked over HTTP instead: {@code GET
   * /health/controllers} on {@code checkPorts[i]} for backend i (a 503 takes it out).
   */
  public static TestHaproxy tcp(String balance, String serverOptions, int[] checkPorts, int... backendPorts)
      throws IOException {
    if (!Files.isExecutable(BINARY)) {
      String why = BINARY + " is missing: run scripts/test-env (it installs Debian's haproxy)";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(why);
      }
      Assumptions.abort(why);
    }
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path config = Files.createTempFile("parkgate-haproxy", ".cfg");
    Files.writeString(config, String.join("\n",
        "global",
        "  maxconn 1000",
        "defaults",
        "  mode tcp",
        "  timeout connect 5s",
        "  timeout client 1m",
        "  timeout server 1m",
        "frontend controllers",
        "  bind 127.0.0.1:" + port,
        "  default_backend nodes",
        "backend nodes",
        "  balance " + balance,
        checkPorts == null ? "" : "  option httpchk GET /health/controllers",
        servers(backendPorts, checkPorts, serverOptions),
        ""));
    Process process = new ProcessBuilder(BINARY.toString(), "-db", "-f", config.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    TestHaproxy proxy = new TestHaproxy(process, port, config);
    boolean up = TestNodes.poll(Duration.ofSeconds(10), () -> {
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return true;
      } catch (IOException e) {
        return false;
      }
    });
    if (!up || !process.isAlive()) {
      proxy.close();
      throw new IllegalStateException("haproxy did not start on port " + port);
    }
    return proxy;
  }

  private static String servers(int[] ports, int[] checkPorts, String options) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < ports.length; i++) {
      out.append("  server node").append(i + 1).append(" 127.0.0.1:").append(ports[i]).append(' ').append(options)
          .append(ports.length > 1 || checkPorts != null ? " check inter 200ms rise 1 fall 1" : "")
          .append(checkPorts == null ? "" : " port " + checkPorts[i])
          .append(i + 1 < ports.length ? "\n" : "");
    }
    return out.toString();
  }

  public int port() {
    return port;
  }

  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    Files.deleteIfExists(config);
  }
}
