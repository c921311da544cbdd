package io.parkgate.http;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a raw HTTP/1.1 exchange got back: everything read until the server closed the connection
 * (or {@link #READ_BOUND_MS} passed without a byte), for tests that must see exactly what the
 * server wrote, which a real client would hide or refuse to send.
 */
record RawAnswer(String text, boolean closed) {

  /** Longest wait for the next byte or end of stream; a live connection stays open far longer (idle timeout 60 s). */
  static final int READ_BOUND_MS = 5_000;

  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ");

  static RawAnswer exchange(int port, String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(READ_BOUND_MS);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return read(socket);
    }
  }

  static RawAnswer read(Socket socket) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[4096];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
      return new RawAnswer(out.toString(StandardCharsets.ISO_8859_1), true);
    } catch (SocketTimeoutException e) {
      return new RawAnswer(out.toString(StandardCharsets.ISO_8859_1), false);
    } catch (IOException e) {
      // reset by the server: closed too
      return new RawAnswer(out.toString(StandardCharsets.ISO_8859_1), true);
    }
  }

  /** The status of the first response, or -1. */
  int status() {
    Matcher m = STATUS_LINE.matcher(text);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** How many responses were written. */
  int responses() {
    Matcher m = STATUS_LINE.matcher(text);
    int count = 0;
    while (m.find()) {
      count++;
    }
    return count;
  }

  /** The first response's JSON "error", or null when its body is not JSON with a JSON content type. */
  String error() {
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0 || !text.substring(0, headEnd).toLowerCase().contains("content-type: application/json")) {
      return null;
    }
    Matcher length = Pattern.compile("(?im)^content-length: *(\\d+)").matcher(text.substring(0, headEnd));
    int end = length.find() ? headEnd + 4 + Integer.parseInt(length.group(1)) : text.length();
    try {
      return new JsonObject(text.substring(headEnd + 4, Math.min(end, text.length()))).getString("error");
    } catch (RuntimeException e) {
      return null;
    }
  }
}
