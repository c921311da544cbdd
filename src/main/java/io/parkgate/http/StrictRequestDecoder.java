package io.parkgate.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpVersion;
import io.parkgate.bus.ErrorCode;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.util.List;

/**
 * Vert.x's HTTP/1.x request decoder with one reading of a request's length only. Netty's decoder,
 * given both {@code Content-Length} and {@code Transfer-Encoding: chunked}, silently drops the
 * Content-Length and reads chunks ({@code HttpObjectDecoder.handleTransferEncodingChunkedWithContentLength});
 * given a coding it does not know ({@code xchunked}), it falls back to Content-Length. A proxy in
 * front that reads the other way would see a different request boundary: request smuggling. Here,
 * once the headers are read and before the body's framing is chosen, the request is refused when
 * <ul>
 *   <li>it carries both headers, or Transfer-Encoding in HTTP/1.0 (400 BAD_REQUEST);</li>
 *   <li>its Transfer-Encoding is anything but exactly one {@code chunked} (501 NOT_SUPPORTED): we
 *   decode no other coding, and {@code gzip, chunked} would hand the router compressed bytes.</li>
 * </ul>
 * The refusal is Netty's own invalid-message path: the decoder discards every further byte of the
 * connection, Vert.x hands the request to the server's invalid-request handler, and the connection
 * is closed after that answer, so nothing after the refused head is ever served as a request.
 *
 * <p>Vert.x offers no public option for this (HttpServerOptions exposes no decoder configuration),
 * hence a subclass of its internal decoder, put in place by {@link ConnectionGuard} before any byte
 * is read.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {

  /** A head the decoder refuses, with the code its answer carries. */
  static final class FramingException extends IllegalArgumentException {
    private final transient ErrorCode code;

    FramingException(ErrorCode code, String message) {
      super(message);
      this.code = code;
    }

    ErrorCode code() {
      return code;
    }
  }

  StrictRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  /**
   * The hook HttpObjectDecoder calls for every message right after its headers, before it picks
   * chunked or fixed-length framing and before it strips Content-Length; an exception here makes
   * the message invalid (its decoder result a failure) and the decoder discard the rest.
   */
  @Override
  protected boolean isContentAlwaysEmpty(HttpMessage msg) {
    checkFraming(msg);
    return super.isContentAlwaysEmpty(msg);
  }

  static void checkFraming(HttpMessage msg) {
    List<String> codings = msg.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (codings.isEmpty()) {
      return;
    }
    if (msg.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      throw new FramingException(ErrorCode.BAD_REQUEST, "a request must not carry both Content-Length and Transfer-Encoding");
    }
    if (msg.protocolVersion() == HttpVersion.HTTP_1_0) {
      throw new FramingException(ErrorCode.BAD_REQUEST, "Transfer-Encoding is not allowed in HTTP/1.0");
    }
    if (codings.size() != 1 || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(codings.get(0).trim())) {
      throw new FramingException(ErrorCode.NOT_SUPPORTED, "the only transfer coding accepted is chunked");
    }
  }
}
