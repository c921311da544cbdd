package io.parkgate.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Property-based fuzzing of the line decoder and the JSON-RPC layer, with a fixed budget of tries
 * (so CI time is bounded): whatever the bytes, decoding either yields a message or a
 * ProtocolException with a JSON-RPC code, never another exception; framing never loses or
 * invents a line, and never holds more than its limit plus one chunk.
 */
class ProtocolFuzzTest {

  private static final int TRIES = 3_000;

  @Property(tries = TRIES)
  void decodingArbitraryBytesEitherSucceedsOrFailsWithAJsonRpcCode(@ForAll @Size(max = 600) byte[] bytes) {
    try {
      RpcMessage message = JsonRpcCodec.decode(Buffer.buffer(bytes));
      assertThat(message).isNotNull();
    } catch (ProtocolException e) {
      assertThat(e.error().code()).isIn(RpcError.PARSE_ERROR, RpcError.INVALID_REQUEST, RpcError.INVALID_PARAMS);
    }
  }

  @Property(tries = TRIES)
  void decodingMutatedValidMessagesNeverThrowsAnythingElse(@ForAll("mutatedMessages") byte[] bytes) {
    try {
      JsonRpcCodec.decode(Buffer.buffer(bytes));
    } catch (ProtocolException e) {
      assertThat(e.error().message()).isNotBlank();
    }
  }

  @Property(tries = TRIES)
  void encodeThenDecodeIsTheIdentityForRequests(@ForAll("ids") Object id, @ForAll("methods") String method,
      @ForAll("texts") String value) throws ProtocolException {
    RpcRequest request = new RpcRequest(id, method, new JsonObject().put("plate", value));
    Buffer line = JsonRpcCodec.encode(request);
    assertThat(line.getByte(line.length() - 1)).isEqualTo((byte) '\n');
    for (int i = 0; i < line.length() - 1; i++) {
      assertThat(line.getByte(i)).as("byte %d is not a newline", i).isNotEqualTo((byte) '\n');
    }
    RpcMessage decoded = JsonRpcCodec.decode(line.slice(0, line.length() - 1));
    assertThat(decoded).isEqualTo(request);
  }

  @Property(tries = TRIES)
  void framingSplitsAnyChunkingIntoTheSameLinesWithinItsLimit(@ForAll("lineSets") List<String> lines,
      @ForAll("chunkSizes") int chunk) {
    int limit = 64;
    StringBuilder all = new StringBuilder();
    lines.forEach(l -> all.append(l).append('\n'));
    byte[] bytes = all.toString().getBytes(StandardCharsets.UTF_8);
    List<String> seen = new ArrayList<>();
    boolean[] tooLong = {false};
    RecordParser parser = RecordParser.newDelimited("\n", line -> seen.add(line.toString(StandardCharsets.UTF_8)));
    parser.maxRecordSize(limit);
    parser.exceptionHandler(e -> tooLong[0] = true);
    for (int i = 0; i < bytes.length && !tooLong[0]; i += chunk) {
      parser.handle(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunk))));
    }
    boolean anyTooLong = lines.stream().anyMatch(l -> l.getBytes(StandardCharsets.UTF_8).length > limit);
    if (!anyTooLong) {
      assertThat(tooLong[0]).isFalse();
      assertThat(seen).isEqualTo(lines);
    } else {
      // an over-long line is either refused by the parser or handed over whole, where the session
      // checks the length again; lines before it are never lost or altered
      assertThat(seen.size()).isLessThanOrEqualTo(lines.size());
      assertThat(seen).isEqualTo(lines.subList(0, seen.size()));
    }
  }

  @Property(tries = TRIES)
  void theFastPongIsTheSameAsAnEncodedResponse(@ForAll("ids") Object id) throws ProtocolException {
    Buffer fast = JsonRpcCodec.encodePong(id);
    assertThat(JsonRpcCodec.decode(fast.slice(0, fast.length() - 1)))
        .isEqualTo(RpcResponse.success(id, new JsonObject()));
  }

  @Provide
  Arbitrary<byte[]> mutatedMessages() {
    List<String> valid = List.of(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hello\",\"params\":{\"parkId\":\"g1\",\"token\":\"t\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":{\"amount\":800,\"currency\":\"CNY\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-1,\"message\":\"no\",\"data\":[1,{}]}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}");
    return Combinators.combine(Arbitraries.of(valid), Arbitraries.integers().between(0, 200),
            Arbitraries.bytes(), Arbitraries.integers().between(0, 3))
        .as((text, position, value, mode) -> {
          byte[] b = text.getBytes(StandardCharsets.UTF_8);
          int at = Math.min(position, b.length - 1);
          switch (mode) {
            case 0 -> b[at] = value;
            case 1 -> b = java.util.Arrays.copyOf(b, at);
            case 2 -> {
              byte[] longer = new byte[b.length + 1];
              System.arraycopy(b, 0, longer, 0, at);
              longer[at] = value;
              System.arraycopy(b, at, longer, at + 1, b.length - at);
              b = longer;
            }
            default -> b[at] ^= (byte) 0x80;
          }
          return b;
        });
  }

  @Provide
  Arbitrary<Object> ids() {
    return Arbitraries.oneOf(Arbitraries.longs().map(l -> (Object) l),
        Arbitraries.strings().ofMaxLength(20).map(s -> (Object) s));
  }

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.strings().withCharRange('a', 'z').withChars('.').ofMinLength(1).ofMaxLength(20);
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.strings().ofMaxLength(40);
  }

  @Provide
  Arbitrary<List<String>> lineSets() {
    return Arbitraries.strings().withCharRange(' ', '~').withChars('京', 'é').ofMaxLength(80).list().ofMaxSize(12);
  }

  @Provide
  Arbitrary<Integer> chunkSizes() {
    return Arbitraries.integers().between(1, 50);
  }
}
