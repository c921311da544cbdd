package io.parkgate.testing;

import io.parkgate.security.ParkTokens;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hostile controller: says a valid hello, then writes pings as fast as it can and never reads
 * the answers, on a socket with a small receive buffer (so the node's send buffer fills at once).
 * The writer runs on its own thread and ends when the node closes the connection or on
 * {@link #close()}.
 */
public final class PingFlood implements AutoCloseable {

  private static final int RECEIVE_BUFFER = 4096;

  private final Socket socket;
  private final AtomicLong pingsSent = new AtomicLong();
  private volatile long lastWriteNanos = System.nanoTime();
  private final CompletableFuture<IOException> ended = new CompletableFuture<>();
  private volatile boolean stopped;

  private PingFlood(Socket socket) {
    this.socket = socket;
  }

  /** Connects, completes hello for {@code parkId} (token signed with the tests' secret). */
  public static PingFlood online(int port, String parkId) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(RECEIVE_BUFFER); // before connect, so the window is small from the start
    socket.setSoTimeout(5_000);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    String token = new ParkTokens(TestNodes.TOKEN_SECRET, null).sign(parkId);
    String hello = new JsonObject().put("jsonrpc", "2.0").put("id", 0).put("method", "hello")
        .put("params", new JsonObject().put("parkId", parkId).put("token", token)).encode() + "\n";
    socket.getOutputStream().write(hello.getBytes(StandardCharsets.UTF_8));
    JsonObject answer = new JsonObject(readLine(socket.getInputStream()));
    if (!answer.containsKey("result")) {
      socket.close();
      throw new IllegalStateException("hello refused: " + answer);
    }
    return new PingFlood(socket);
  }

  /** Starts writing pings (never reading) on a thread of its own; returns at once. */
  public PingFlood start() {
    Thread writer = new Thread(this::flood, "ping-flood");
    writer.setDaemon(true);
    writer.start();
    return this;
  }

  private void flood() {
    StringBuilder block = new StringBuilder();
    int perBlock = 1_000;
    for (int i = 0; i < perBlock; i++) {
      block.append("{\"jsonrpc\":\"2.0\",\"id\":").append(i).append(",\"method\":\"ping\"}\n");
    }
    byte[] bytes = block.toString().getBytes(StandardCharsets.UTF_8);
    try {
      OutputStream out = socket.getOutputStream();
      while (!stopped) {
        out.write(bytes);
        pingsSent.addAndGet(perBlock);
        lastWriteNanos = System.nanoTime();
      }
      ended.complete(null);
    } catch (IOException e) {
      ended.complete(stopped ? null : e);
    }
  }

  public long pingsSent() {
    return pingsSent.get();
  }

  /** When a write last went through: once the node stops reading, writes block soon after. */
  public long lastWriteNanos() {
    return lastWriteNanos;
  }

  /** Completes when the writer stopped: with the write error when the node closed the connection. */
  public CompletableFuture<IOException> ended() {
    return ended;
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed by the server");
      }
      line.write(b);
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    stopped = true;
    socket.close();
  }
}
