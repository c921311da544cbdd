package io.parkgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.parkgate.testing.TestNodes;
import io.vertx.core.net.SelfSignedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A renewed controller certificate (the files rewritten in place, as cert-manager does with a
 * mounted Secret) is served to new connections without a restart, and a broken pair is not taken.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsReloadTest {

  /** The subject of the certificate a new TLS connection to {@code port} is shown. */
  private static String subjectServed(int port) {
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, new TrustManager[] {new X509TrustManager() {
        public void checkClientTrusted(X509Certificate[] chain, String auth) { }
        public void checkServerTrusted(X509Certificate[] chain, String auth) { }
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
        socket.setSoTimeout(5_000);
        socket.startHandshake();
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
      }
    } catch (Exception e) {
      return "failed: " + e;
    }
  }

  private static void install(SelfSignedCertificate c, Path cert, Path key) throws Exception {
    Files.copy(Path.of(c.certificatePath()), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(Path.of(c.privateKeyPath()), key, StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void aRenewedCertificateIsServedToNewConnectionsWithoutARestart() throws Exception {
    SelfSignedCertificate first = SelfSignedCertificate.create("first.parkgate.test");
    SelfSignedCertificate second = SelfSignedCertificate.create("second.parkgate.test");
    Path dir = Files.createTempDirectory("parkgate-tls");
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    install(first, cert, key);
    ParkgateNode node = TestNodes.start(TestNodes.config(TestNodes.newClusterName())
        .tlsCertPath(cert.toString()).tlsKeyPath(key.toString()).tlsReloadCheckS(1).build());
    try {
      int port = node.controllerPort();
      assertThat(subjectServed(port)).contains("CN=first.parkgate.test");
      // WHEN the files are renewed in place
      install(second, cert, key);
      // THEN new connections get the new certificate within a few checks, from every instance
      assertThat(TestNodes.poll(Duration.ofSeconds(10), () -> subjectServed(port).contains("CN=second.parkgate.test")))
          .isTrue();
      for (int i = 0; i < 4; i++) {
        assertThat(subjectServed(port)).contains("CN=second.parkgate.test");
      }
      // AND a broken pair is not taken: the renewed one stays
      Files.writeString(key, "not a key");
      assertThat(TestNodes.poll(Duration.ofSeconds(3), () -> !subjectServed(port).contains("CN=second"))).isFalse();
    } finally {
      TestNodes.close(node);
      first.delete();
      second.delete();
    }
  }
}
