package io.parkgate.security;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.operator.ContentSigner;

/**
 * What the nodes of one cluster prove to each other, all derived from one shared secret: the
 * cluster secret ({@code PARKGATE_CLUSTER_SECRET}), or, when that is unset, a key derived from the
 * controller token secret (so a cluster configured before the cluster secret existed is protected
 * too). From it come:
 * <ul>
 *   <li>the event bus's TLS identity: a P-256 key pair and a self-signed certificate, both
 *       computed deterministically from the secret (RFC 6979 signatures, fixed serial and
 *       validity), so every node holding the secret holds the same certificate and no certificate
 *       files have to be issued, mounted or renewed. Every bus connection is mutual TLS and trusts
 *       exactly this certificate (and the one of the other accepted secret during a rotation):
 *       a process without the secret can neither receive bus messages nor send any;</li>
 *   <li>the {@link RecordSeal} key that authenticates what parkgate stores in Hazelcast.</li>
 * </ul>
 * Without any secret (development switches only) the credentials are {@link #insecure()}: the bus
 * is plain TCP and records are sealed under a public key, which protects nothing.
 */
public final class ClusterCredentials {

  private static final String SUBJECT = "CN=parkgate-cluster";
  /** Labels contain spaces, so no label can be a park ID whose token would equal a derived key. */
  private static final String FROM_TOKEN_SECRET = "parkgate cluster secret from token secret v1";
  private static final String TLS_KEY = "parkgate cluster tls key v1";
  private static final String SEAL_KEY = "parkgate cluster record seal v1";
  private static final String INSECURE_SECRET = "parkgate insecure development cluster secret";
  private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256r1");

  /** One secret's identity. */
  private record Identity(String certPem, String keyPem, byte[] sealKey, String fingerprint) {
  }

  private final Identity current;
  private final Identity other;
  private final boolean secure;

  private ClusterCredentials(Identity current, Identity other, boolean secure) {
    this.current = current;
    this.other = other;
    this.secure = secure;
  }

  /**
   * @param clusterSecret the cluster secret, or null to derive one from {@code tokenSecret}
   * @param otherSecret   a second accepted cluster secret (rotation), or null
   * @param tokenSecret   the controller token secret, used only when {@code clusterSecret} is null;
   *                      when both are null the credentials are {@link #insecure()}
   */
  public static ClusterCredentials of(String clusterSecret, String otherSecret, String tokenSecret) {
    String secret = clusterSecret;
    if (secret == null && tokenSecret != null) {
      secret = derivedFromTokenSecret(tokenSecret);
    }
    if (secret == null) {
      return insecure();
    }
    return new ClusterCredentials(derive(secret), otherSecret == null ? null : derive(otherSecret), true);
  }

  /**
   * The cluster secret used when none is configured: setting it explicitly as
   * {@code PARKGATE_CLUSTER_SECRET} keeps the same identity, after which the token secret can be
   * rotated without touching the cluster's.
   */
  public static String derivedFromTokenSecret(String tokenSecret) {
    return Base64.getEncoder().encodeToString(hmac(utf8(tokenSecret), FROM_TOKEN_SECRET));
  }

  /** No secret configured (development): plain-TCP bus, records sealed under a public key. */
  public static ClusterCredentials insecure() {
    return new ClusterCredentials(derive(INSECURE_SECRET), null, false);
  }

  /** Whether the bus is authenticated and encrypted. */
  public boolean secure() {
    return secure;
  }

  /** SHA-256 of the presented certificate, short hex: shows in the log which secret a node uses. */
  public String fingerprint() {
    return current.fingerprint();
  }

  /** Turns on mutual TLS with the derived identity (nothing when {@link #insecure()}). */
  public EventBusOptions applyTo(EventBusOptions options) {
    if (!secure) {
      return options;
    }
    PemTrustOptions trust = new PemTrustOptions().addCertValue(Buffer.buffer(current.certPem()));
    if (other != null) {
      trust.addCertValue(Buffer.buffer(other.certPem()));
    }
    return options.setSsl(true)
        .setClientAuth(ClientAuth.REQUIRED)
        .setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(current.certPem()))
            .setKeyValue(Buffer.buffer(current.keyPem())))
        .setTrustOptions(trust);
  }

  /** The seal for records in Hazelcast: written with the current key, accepted under either. */
  public RecordSeal seal() {
    return new RecordSeal(current.sealKey(), other == null ? null : other.sealKey());
  }

  // ---- derivation ---------------------------------------------------------------------------

  private static Identity derive(String secret) {
    byte[] base = utf8(secret);
    try {
      ECDomainParameters domain = new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());
      BigInteger n = domain.getN();
      BigInteger d = new BigInteger(1, hmac(base, TLS_KEY)).mod(n.subtract(BigInteger.ONE)).add(BigInteger.ONE);
      ECPoint q = domain.getG().multiply(d).normalize();

      AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
      KeyFactory keys = KeyFactory.getInstance("EC");
      PublicKey publicKey = keys.generatePublic(new ECPublicKeySpec(new java.security.spec.ECPoint(
          q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()), spec));
      byte[] pkcs8 = keys.generatePrivate(new ECPrivateKeySpec(d, spec)).getEncoded();

      X500Name name = new X500Name(SUBJECT);
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
          new BigInteger(1, hmac(base, "parkgate cluster certificate serial v1")).shiftRight(136),
          Date.from(Instant.parse("2020-01-01T00:00:00Z")), Date.from(Instant.parse("2120-01-01T00:00:00Z")),
          name, publicKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      byte[] der = builder.build(new DeterministicEcdsaSigner(new ECPrivateKeyParameters(d, domain))).getEncoded();
      String fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der), 0, 8);
      return new Identity(pem("CERTIFICATE", der), pem("PRIVATE KEY", pkcs8), hmac(base, SEAL_KEY), fingerprint);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot derive the cluster's TLS identity", e);
    }
  }

  /** ECDSA P-256 with SHA-256 and RFC 6979 nonces: the same key and data give the same signature. */
  private static final class DeterministicEcdsaSigner implements ContentSigner {
    private final ECPrivateKeyParameters key;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();

    DeterministicEcdsaSigner(ECPrivateKeyParameters key) {
      this.key = key;
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
      return new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
    }

    @Override
    public OutputStream getOutputStream() {
      return data;
    }

    @Override
    public byte[] getSignature() {
      SHA256Digest digest = new SHA256Digest();
      byte[] bytes = data.toByteArray();
      digest.update(bytes, 0, bytes.length);
      byte[] hash = new byte[digest.getDigestSize()];
      digest.doFinal(hash, 0);
      ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
      signer.init(true, key);
      BigInteger[] rs = signer.generateSignature(hash);
      ASN1EncodableVector v = new ASN1EncodableVector();
      v.add(new ASN1Integer(rs[0]));
      v.add(new ASN1Integer(rs[1]));
      try {
        return new DERSequence(v).getEncoded();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  static byte[] hmac(byte[] key, String label) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(utf8(label));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String pem(String type, byte[] der) {
    List<String> lines = new ArrayList<>();
    lines.add("-----BEGIN " + type + "-----");
    String b64 = Base64.getEncoder().encodeToString(der);
    for (int i = 0; i < b64.length(); i += 64) {
      lines.add(b64.substring(i, Math.min(b64.length(), i + 64)));
    }
    lines.add("-----END " + type + "-----");
    return String.join("\n", lines) + "\n";
  }
}
