package io.parkgate.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

class ClusterCredentialsTest {

  private static final String SECRET = "cluster-secret-0123456789";

  @Test
  void everyNodeWithTheSecretDerivesTheSameCertificate() throws Exception {
    // GIVEN two nodes configured with the same secret WHEN each derives its identity
    EventBusOptions a = ClusterCredentials.of(SECRET, null, null).applyTo(new EventBusOptions());
    EventBusOptions b = ClusterCredentials.of(SECRET, null, null).applyTo(new EventBusOptions());
    // THEN both present byte-identical certificates, trust exactly that one, and require client certificates
    String certA = ((PemKeyCertOptions) a.getKeyCertOptions()).getCertValues().get(0).toString();
    String certB = ((PemKeyCertOptions) b.getKeyCertOptions()).getCertValues().get(0).toString();
    assertThat(certA).isEqualTo(certB);
    assertThat(((PemTrustOptions) a.getTrustOptions()).getCertValues()).hasSize(1);
    assertThat(a.isSsl()).isTrue();
    assertThat(a.getClientAuth()).isEqualTo(ClientAuth.REQUIRED);
    X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(certA.getBytes()));
    cert.verify(cert.getPublicKey());
    assertThat(cert.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
  }

  @Test
  void anotherSecretGivesAnotherIdentityAndARotationTrustsBoth() {
    ClusterCredentials one = ClusterCredentials.of(SECRET, null, null);
    ClusterCredentials two = ClusterCredentials.of(SECRET + "-next", SECRET, null);
    assertThat(one.fingerprint()).isNotEqualTo(two.fingerprint());
    assertThat(((PemTrustOptions) two.applyTo(new EventBusOptions()).getTrustOptions()).getCertValues()).hasSize(2);
  }

  @Test
  void withoutAnySecretTheBusStaysPlain() {
    ClusterCredentials none = ClusterCredentials.of(null, null, null);
    assertThat(none.secure()).isFalse();
    assertThat(none.applyTo(new EventBusOptions()).isSsl()).isFalse();
    // the token secret alone is enough to secure the bus, under a key of its own
    ClusterCredentials fromToken = ClusterCredentials.of(null, null, SECRET);
    assertThat(fromToken.secure()).isTrue();
    assertThat(fromToken.fingerprint()).isNotEqualTo(ClusterCredentials.of(SECRET, null, null).fingerprint());
  }

  @Test
  void aSealedRecordOpensOnlyUnderItsMapKeyAndSecret() {
    RecordSeal seal = ClusterCredentials.of(SECRET, null, null).seal();
    String sealed = seal.seal("parkgate.payments", "pay-1", "{\"amount\":800}");
    assertThat(seal.open("parkgate.payments", "pay-1", sealed)).isEqualTo("{\"amount\":800}");
    // copied to another paymentId or map, altered, unsealed, or sealed by another secret: refused
    assertThat(seal.open("parkgate.payments", "pay-2", sealed)).isNull();
    assertThat(seal.open("parkgate.parks", "pay-1", sealed)).isNull();
    assertThat(seal.open("parkgate.payments", "pay-1", sealed.replace("800", "999"))).isNull();
    assertThat(seal.open("parkgate.payments", "pay-1", "{\"amount\":800}")).isNull();
    String foreign = ClusterCredentials.of(SECRET + "x", null, null).seal().seal("parkgate.payments", "pay-1", "{}");
    assertThat(seal.isForged("parkgate.payments", "pay-1", foreign)).isTrue();
    // during a rotation, records sealed under the other secret still open
    RecordSeal rotating = ClusterCredentials.of(SECRET + "x", SECRET, null).seal();
    assertThat(rotating.open("parkgate.payments", "pay-1", sealed)).isEqualTo("{\"amount\":800}");
  }
}
