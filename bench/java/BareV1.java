import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The server side of protocol v1 cut down to what the gate simulator needs, shared by the anchors
 * BareEcho (g's heartbeats) and BareRelay (fee queries): lines framed on {@code \n}; a hello is
 * answered with a success carrying {@code heartbeatIntervalMs} (the node's default, 5 s), and
 * every ping with a pong. Both are recognised by a byte search, not a JSON tree (the node does the
 * same for canonical pings); only the hello, once per connection, is parsed with Jackson. No token
 * check, no idle deadline, no limits: what any server of this protocol must do at least.
 */
final class BareV1 {
  static final long HEARTBEAT_INTERVAL_MS = 5_000;
  private static final byte[] ID = bytes("\"id\":");
  private static final byte[] RESULT = bytes("\"result\":");
  private static final byte[] PING = bytes("\"method\":\"ping\"");
  private static final byte[] HELLO = bytes("\"method\":\"hello\"");
  private static final String HELLO_RESULT = "{\"heartbeatIntervalMs\":" + HEARTBEAT_INTERVAL_MS
      + ",\"idleTimeoutMs\":" + 3 * HEARTBEAT_INTERVAL_MS + ",\"maxLineBytes\":16384}";

  private BareV1() {
  }

  /**
   * Serves one controller connection: answers its hello (then calls {@code onHello} with the park
   * ID) and its pings; every other line goes to {@code onOther} (the answers of BareRelay's requests).
   */
  static void serve(NetSocket socket, BiConsumer<String, NetSocket> onHello, Consumer<Buffer> onOther) {
    RecordParser parser = RecordParser.newDelimited("\n", socket).maxRecordSize(16_384);
    parser.exceptionHandler(e -> socket.close());
    parser.handler(line -> {
      if (indexOf(line, PING, 0) >= 0) {
        socket.write(answer(id(line), "{}"));
      } else if (indexOf(line, HELLO, 0) >= 0) {
        String parkId = new JsonObject(line).getJsonObject("params").getString("parkId");
        socket.write(answer(id(line), HELLO_RESULT));
        onHello.accept(parkId, socket);
      } else {
        onOther.accept(line);
      }
    });
  }

  /** The numeric top-level id of a line (the first {@code "id":}; the simulator writes it before params/result). */
  static long id(Buffer line) {
    int i = indexOf(line, ID, 0);
    if (i < 0) {
      return -1;
    }
    long id = 0;
    for (i += ID.length; i < line.length(); i++) {
      byte b = line.getByte(i);
      if (b < '0' || b > '9') {
        break;
      }
      id = id * 10 + (b - '0');
    }
    return id;
  }

  /** The {@code result} value of an answer line, or null when it has none (an error answer). */
  static Buffer result(Buffer line) {
    int i = indexOf(line, RESULT, 0);
    return i < 0 ? null : line.slice(i + RESULT.length, line.length() - 1);
  }

  static Buffer answer(long id, String result) {
    return Buffer.buffer("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}\n");
  }

  static Buffer request(long id, String method) {
    return Buffer.buffer("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":{}}\n");
  }

  private static int indexOf(Buffer line, byte[] needle, int from) {
    outer:
    for (int i = from, last = line.length() - needle.length; i <= last; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (line.getByte(i + j) != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
