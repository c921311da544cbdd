package io.parkgate.testing;

import io.parkgate.security.ParkTokens;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A scriptable gate controller on a plain blocking socket, driven from the test thread (never an
 * event loop). Every read is bounded by a timeout.
 */
public final class TestController implements AutoCloseable {

  private static final int READ_TIMEOUT_MS = 5_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private long nextId = 1;

  private TestController(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(READ_TIMEOUT_MS);
    socket.setTcpNoDelay(true);
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  public static TestController connect(int port) throws IOException {
    return new TestController(new Socket("127.0.0.1", port));
  }

  /** Connects from a given loopback address (127.0.0.0/8 is all local on Linux), as another source. */
  public static TestController connectFrom(String localAddress, int port) throws IOException {
    Socket socket = new Socket();
    socket.bind(new java.net.InetSocketAddress(localAddress, 0));
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
    return new TestController(socket);
  }

  /** Connects and completes hello; returns the hello result. */
  public static TestController online(int port, String parkId) throws IOException {
    return hello(connect(port), parkId);
  }

  /** Completes hello on a connected controller. */
  public static TestController hello(TestController c, String parkId) throws IOException {
    String token = new ParkTokens(TestNodes.TOKEN_SECRET, null).sign(parkId);
    JsonObject answer = c.request("hello", new JsonObject().put("parkId", parkId).put("token", token));
    if (!answer.containsKey("result")) {
      throw new IllegalStateException("hello refused: " + answer);
    }
    return c;
  }

  public void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  public void send(String line) throws IOException {
    sendRaw((line + "\n").getBytes(StandardCharsets.UTF_8));
  }

  public void send(JsonObject message) throws IOException {
    send(message.encode());
  }

  /** Sends a request and reads the next message, which must be its answer. */
  public JsonObject request(String method, JsonObject params) throws IOException {
    long id = nextId++;
    send(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method).put("params", params));
    return read();
  }

  public void answer(JsonObject request, JsonObject result) throws IOException {
    send(new JsonObject().put("jsonrpc", "2.0").put("id", request.getValue("id")).put("result", result));
  }

  public void answerError(JsonObject request, int code, String message) throws IOException {
    send(new JsonObject().put("jsonrpc", "2.0").put("id", request.getValue("id"))
        .put("error", new JsonObject().put("code", code).put("message", message)));
  }

  /** Reads the next line as JSON, waiting at most the read timeout. */
  public JsonObject read() throws IOException {
    String line = readLine();
    if (line == null) {
      throw new IOException("connection closed by the server");
    }
    return new JsonObject(line);
  }

  /** Reads the next line as text (legacy protocol), waiting at most the read timeout. */
  public String readText() throws IOException {
    String line = readLine();
    if (line == null) {
      throw new IOException("connection closed by the server");
    }
    return line;
  }

  /** Reads the next request from the server, answering any server pings on the way if asked. */
  public JsonObject readRequest(String method) throws IOException {
    while (true) {
      JsonObject m = read();
      if (method.equals(m.getString("method"))) {
        return m;
      }
      if (!"ping".equals(m.getString("method"))) {
        throw new IOException("expected " + method + " but got " + m);
      }
    }
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
      }
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(b);
    }
  }

  /**
   * Waits until the server closes the connection, discarding what it sends.
   *
   * @return true if the connection closed within {@code within}
   */
  public boolean awaitClosed(Duration within) throws IOException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      try {
        if (in.read() < 0) {
          return true;
        }
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true; // reset counts as closed
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
