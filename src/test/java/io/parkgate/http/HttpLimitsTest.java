package io.parkgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.config.Settings;
import io.parkgate.testing.OneNode;
import io.parkgate.testing.TestNodes;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The HTTP listener's bounds: connections per NODE.node(), and the time a request body may take. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpLimitsTest {

  private static final int MAX_CONNECTIONS = 5;
  private static final long BODY_TIMEOUT_MS = 500;
  private static final Pattern REFUSED = Pattern.compile(
      "(?m)^parkgate_connections_refused_total\\{[^}]*listener=\"http\"[^}]*reason=\"node_limit\"[^}]*\\} (\\S+)$");

  @RegisterExtension
  static final OneNode NODE = OneNode.of(b -> b.set(Settings.HTTP_MAX_CONNECTIONS, MAX_CONNECTIONS).set(Settings.HTTP_BODY_TIMEOUT_MS, BODY_TIMEOUT_MS));

  @Test
  void aConnectionBeyondTheNodeLimitIsClosedAtOnceAndHeldOnesKeepWorking() throws Exception {
    List<Socket> held = new ArrayList<>();
    try {
      // GIVEN as many connections as the node allows (over both API verticle instances), each serving a request
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        Socket socket = connect();
        held.add(socket);
        assertThat(liveStatus(socket)).isEqualTo(200);
      }
      // WHEN one more connects and sends a request
      Socket extra = connect();
      extra.getOutputStream().write(live(false));
      RawAnswer refused = RawAnswer.read(extra);
      extra.close();
      // THEN it is closed without an answer, and the held connections still serve requests
      assertThat(refused.closed()).as("closed, not left waiting").isTrue();
      assertThat(refused.text()).as("nothing served").isEmpty();
      for (Socket socket : held) {
        assertThat(liveStatus(socket)).isEqualTo(200);
      }
      // WHEN one held connection closes
      held.remove(0).close();
      // THEN a new connection is accepted again (attempts racing the release are refused and counted)
      int raced = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      Socket admitted = null;
      while (admitted == null && System.nanoTime() < deadline) {
        Socket attempt = connect();
        attempt.getOutputStream().write(metrics());
        RawAnswer answer = RawAnswer.read(attempt);
        attempt.close();
        if (answer.status() == 200) {
          admitted = attempt;
          // AND the metric counts every refusal: the extra connection and the raced attempts
          Matcher m = REFUSED.matcher(answer.text());
          assertThat(m.find()).as("the node_limit counter in /metrics").isTrue();
          assertThat(Double.parseDouble(m.group(1))).isEqualTo(1.0 + raced);
        } else {
          assertThat(answer.text()).isEmpty();
          raced++;
        }
      }
      assertThat(admitted).as("a connection admitted after one was released").isNotNull();
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  @Test
  void aBodyThatTricklesInIsAnswered408AtTheBodyTimeoutAndTheConnectionClosed() throws Exception {
    try (Socket socket = connect()) {
      // GIVEN a payment whose chunked body arrives one byte at a time, each well inside the idle timeout
      long pace = BODY_TIMEOUT_MS / 5;
      long start = System.nanoTime();
      socket.getOutputStream().write(("POST /api/v1/parks/p1/payments HTTP/1.1\r\nHost: x\r\n"
          + "content-type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      // WHEN it keeps trickling, each byte sent after waiting (at most a pace) for the answer
      socket.setSoTimeout((int) pace);
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      long answeredAt = -1;
      byte[] buf = new byte[4096];
      while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(BODY_TIMEOUT_MS * 8)) {
        try {
          int n = in.read(buf);
          if (n < 0) {
            break;
          }
          if (answeredAt < 0) {
            answeredAt = System.nanoTime();
          }
          answer.write(buf, 0, n);
        } catch (SocketTimeoutException e) {
          try {
            socket.getOutputStream().write("1\r\n{\r\n".getBytes(StandardCharsets.US_ASCII));
          } catch (IOException closed) {
            break;
          }
        }
      }
      // THEN it is answered 408 REQUEST_TIMEOUT once the bound has passed, not much later, and closed
      RawAnswer timedOut = new RawAnswer(answer.toString(StandardCharsets.ISO_8859_1), true);
      assertThat(timedOut.status()).as(timedOut.text()).isEqualTo(408);
      assertThat(timedOut.error()).isEqualTo("REQUEST_TIMEOUT");
      long elapsedMs = (answeredAt - start) / 1_000_000;
      assertThat(elapsedMs).isBetween(BODY_TIMEOUT_MS, 4 * BODY_TIMEOUT_MS);
      socket.setSoTimeout(RawAnswer.READ_BOUND_MS);
      assertThat(RawAnswer.read(socket).closed()).as("connection closed after the 408").isTrue();
    }
  }

  @Test
  void aBodyThatArrivesInTimeIsNotCut() throws Exception {
    try (Socket socket = connect()) {
      // GIVEN a node with a body timeout; WHEN a payment's body arrives whole with its head
      String body = "{\"paymentId\":\"lim-1\",\"amount\":1}";
      socket.getOutputStream().write(("POST /api/v1/parks/p1/payments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + TestNodes.API_KEY + "\r\ncontent-type: application/json\r\ncontent-length: " + body.length()
          + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
      // THEN it is served as usual (recorded for an offline park: 202)
      RawAnswer answer = RawAnswer.read(socket);
      assertThat(answer.status()).as(answer.text()).isEqualTo(202);
    }
  }

  private static Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", NODE.node().httpPort());
    socket.setSoTimeout(RawAnswer.READ_BOUND_MS);
    return socket;
  }

  private static byte[] live(boolean keepAlive) {
    return ("GET /health/live HTTP/1.1\r\nHost: x\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] metrics() {
    return "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  }

  /** Sends GET /health/live on a kept-alive connection and reads exactly one response; returns its status. */
  private static int liveStatus(Socket socket) throws IOException {
    socket.getOutputStream().write(live(true));
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        return -1;
      }
      head.append((char) b);
    }
    Matcher length = Pattern.compile("(?im)^content-length: *(\\d+)").matcher(head);
    if (length.find()) {
      in.readNBytes(Integer.parseInt(length.group(1)));
    }
    return Integer.parseInt(head.substring(9, 12));
  }
}
