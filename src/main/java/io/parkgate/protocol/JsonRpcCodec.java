package io.parkgate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;

/**
 * Encodes and decodes JSON-RPC 2.0 messages, one per line. Stateless and socket-free: it works on
 * {@link Buffer}s so it can be tested (and fuzzed) without a connection.
 */
public final class JsonRpcCodec {

  private static final byte NEWLINE = '\n';
  private static final byte CR = '\r';

  private JsonRpcCodec() {
  }

  /**
   * Decodes one line (without its {@code \n}; a trailing {@code \r} is tolerated).
   *
   * @throws ProtocolException with {@link RpcError#PARSE_ERROR} for anything that is not a JSON
   *                           object in valid UTF-8, {@link RpcError#INVALID_REQUEST} for a JSON
   *                           object that is not a JSON-RPC 2.0 message
   */
  public static RpcMessage decode(Buffer line) throws ProtocolException {
    Buffer body = stripCr(line);
    JsonObject json;
    try {
      // Decode strictly first: Jackson alone accepts overlong UTF-8 forms and guesses UTF-16.
      checkUtf8(body);
      json = new JsonObject(body);
    } catch (CharacterCodingException | DecodeException | ClassCastException e) {
      throw new ProtocolException(RpcError.PARSE_ERROR, "parse error: not a JSON object in UTF-8", null);
    }
    return fromJson(json);
  }

  static RpcMessage fromJson(JsonObject json) throws ProtocolException {
    Object rawId = json.getValue("id");
    Object id = normalizeId(rawId);
    if (rawId != null && id == null) {
      throw new ProtocolException(RpcError.INVALID_REQUEST, "id must be an integer or a string", null);
    }
    if (!"2.0".equals(json.getValue("jsonrpc"))) {
      throw new ProtocolException(RpcError.INVALID_REQUEST, "jsonrpc must be \"2.0\"", id);
    }
    if (json.containsKey("method")) {
      Object method = json.getValue("method");
      if (!(method instanceof String m) || m.isEmpty()) {
        throw new ProtocolException(RpcError.INVALID_REQUEST, "method must be a non-empty string", id);
      }
      Object params = json.getValue("params");
      if (params != null && !(params instanceof JsonObject)) {
        throw new ProtocolException(RpcError.INVALID_PARAMS, "params must be an object", id);
      }
      return new RpcRequest(id, m, (JsonObject) params);
    }
    boolean hasResult = json.containsKey("result");
    boolean hasError = json.containsKey("error");
    if (hasResult == hasError) {
      throw new ProtocolException(RpcError.INVALID_REQUEST,
          "a message needs a method, or exactly one of result and error", id);
    }
    if (hasResult) {
      if (id == null) {
        throw new ProtocolException(RpcError.INVALID_REQUEST, "a result needs an id", null);
      }
      return RpcResponse.success(id, json.getValue("result"));
    }
    return RpcResponse.failure(id, readError(json.getValue("error"), id));
  }

  private static RpcError readError(Object raw, Object id) throws ProtocolException {
    if (!(raw instanceof JsonObject error)
        || !(error.getValue("code") instanceof Number code) || !isIntegral(code)
        || code.doubleValue() < Integer.MIN_VALUE || code.doubleValue() > Integer.MAX_VALUE
        || !(error.getValue("message") instanceof String message)) {
      throw new ProtocolException(RpcError.INVALID_REQUEST,
          "error must be an object with an integer code and a string message", id);
    }
    return new RpcError(code.intValue(), message, error.getValue("data"));
  }

  /** Ids are compared as {@code Long} or {@code String}: 7, 7.0 and 7L are the same id. */
  static Object normalizeId(Object id) {
    if (id instanceof String) {
      return id;
    }
    if (id instanceof Number n && isIntegral(n)) {
      return n.longValue();
    }
    return null;
  }

  private static boolean isIntegral(Number n) {
    if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
      return true;
    }
    double d = n.doubleValue();
    return d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 0x1p53;
  }

  /** Encodes a message as one line, {@code \n} included. */
  public static Buffer encode(RpcMessage message) {
    JsonObject json = new JsonObject().put("jsonrpc", "2.0");
    if (message instanceof RpcRequest request) {
      if (request.id() != null) {
        json.put("id", request.id());
      }
      json.put("method", request.method()).put("params", request.params());
    } else if (message instanceof RpcResponse response) {
      json.put("id", response.id());
      if (response.isError()) {
        RpcError e = response.error();
        JsonObject error = new JsonObject().put("code", e.code()).put("message", e.message());
        if (e.data() != null) {
          error.put("data", e.data());
        }
        json.put("error", error);
      } else {
        json.put("result", response.result());
      }
    }
    return json.toBuffer().appendByte(NEWLINE);
  }

  /**
   * Per thread (event loops reuse theirs): a strict UTF-8 decoder and the char buffer it decodes
   * into, grown to the longest line seen. Checking into a reused buffer and letting Jackson parse
   * the bytes saves the char array and String per line that decoding to a String cost (the top
   * allocation site in a JFR profile of scenario c).
   */
  private static final class Utf8Check {
    final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    CharBuffer out = CharBuffer.allocate(512);
  }

  private static final ThreadLocal<Utf8Check> UTF8 = ThreadLocal.withInitial(Utf8Check::new);

  /** Throws unless the bytes are well-formed UTF-8 (overlong forms and UTF-16 surrogates refused). */
  private static void checkUtf8(Buffer bytes) throws CharacterCodingException {
    Utf8Check check = UTF8.get();
    int length = bytes.length();
    if (check.out.capacity() < length) {
      check.out = CharBuffer.allocate(Math.max(length, 2 * check.out.capacity())); // n bytes never exceed n chars
    }
    check.out.clear();
    CharsetDecoder decoder = check.decoder.reset();
    CoderResult result = decoder.decode(ByteBuffer.wrap(bytes.getBytes()), check.out, true);
    if (result.isUnderflow()) {
      result = decoder.flush(check.out);
    }
    if (result.isError() || result.isOverflow()) {
      result.throwException();
    }
    // Jackson, given bytes, would sniff NULs or a byte-order mark as UTF-16/32: JSON text has
    // neither (a NUL must be escaped), so refuse them here, as parsing the decoded chars did.
    CharBuffer chars = check.out.flip();
    if (chars.hasRemaining() && chars.get(0) == '\uFEFF') {
      throw new MalformedInputException(3);
    }
    for (int i = 0; i < chars.limit(); i++) {
      if (chars.get(i) == 0) {
        throw new MalformedInputException(1);
      }
    }
  }

  /** The answer to a ping, written without building a JSON tree (heartbeats are the bulk of all frames). */
  public static Buffer encodePong(Object id) {
    String idJson = id instanceof String s ? io.vertx.core.json.Json.encode(s) : String.valueOf(id);
    return Buffer.buffer("{\"jsonrpc\":\"2.0\",\"id\":" + idJson + ",\"result\":{}}\n");
  }

  private static final byte[] PING_HEAD = ascii("{\"jsonrpc\":\"2.0\",\"id\":");
  private static final byte[] PING_TAIL = ascii(",\"method\":\"ping\",\"params\":{}}");
  private static final byte[] PING_TAIL_NO_PARAMS = ascii(",\"method\":\"ping\"}");
  private static final byte[] PONG_HEAD = PING_HEAD;
  private static final byte[] PONG_TAIL = ascii(",\"result\":{}}\n");
  /** Integer ids of up to 15 digits are exact as a double too, so JSON parsing would read them as the same Long. */
  private static final int MAX_FAST_ID_DIGITS = 15;

  /**
   * The heartbeat fast path: when {@code line} is exactly a canonical ping as the simulator and the
   * examples in docs/protocol.md write it, {@code {"jsonrpc":"2.0","id":N,"method":"ping","params":{}}}
   * (or without {@code params}; a trailing {@code \r} tolerated), with N a non-negative integer in
   * canonical form (no sign, no leading zero, at most 15 digits), returns the offset of N's first
   * digit in {@code line}, else -1. Such a line is ASCII, so valid UTF-8, and {@link #decode} would
   * read it as {@code RpcRequest(N as Long, "ping", {})}: a caller may answer it with
   * {@link #encodePong(Buffer, int)} instead, without a JSON tree. Any other line (other spacing,
   * key order, ids, params) goes through {@link #decode} as before.
   */
  public static int canonicalPingId(Buffer line) {
    int len = line.length();
    if (len > 0 && line.getByte(len - 1) == CR) {
      len--;
    }
    if (len < PING_HEAD.length + 1 + PING_TAIL_NO_PARAMS.length || !startsWith(line, 0, PING_HEAD)) {
      return -1;
    }
    int start = PING_HEAD.length;
    int end = start;
    while (end < len && end - start <= MAX_FAST_ID_DIGITS) {
      byte b = line.getByte(end);
      if (b < '0' || b > '9') {
        break;
      }
      end++;
    }
    int digits = end - start;
    if (digits == 0 || digits > MAX_FAST_ID_DIGITS || (digits > 1 && line.getByte(start) == '0')) {
      return -1;
    }
    int rest = len - end;
    if ((rest == PING_TAIL.length && startsWith(line, end, PING_TAIL))
        || (rest == PING_TAIL_NO_PARAMS.length && startsWith(line, end, PING_TAIL_NO_PARAMS))) {
      return start;
    }
    return -1;
  }

  /**
   * The pong for a line {@link #canonicalPingId} accepted, its id copied from the line: the same
   * bytes as {@code encodePong(id)} for that ping.
   */
  public static Buffer encodePong(Buffer canonicalPing, int idStart) {
    int end = idStart;
    while (end < canonicalPing.length()) {
      byte b = canonicalPing.getByte(end);
      if (b < '0' || b > '9') {
        break;
      }
      end++;
    }
    return Buffer.buffer(PONG_HEAD.length + (end - idStart) + PONG_TAIL.length)
        .appendBytes(PONG_HEAD).appendBuffer(canonicalPing, idStart, end - idStart).appendBytes(PONG_TAIL);
  }

  private static boolean startsWith(Buffer line, int at, byte[] prefix) {
    if (line.length() - at < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (line.getByte(at + i) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static Buffer stripCr(Buffer line) {
    int len = line.length();
    return len > 0 && line.getByte(len - 1) == CR ? line.slice(0, len - 1) : line;
  }
}
