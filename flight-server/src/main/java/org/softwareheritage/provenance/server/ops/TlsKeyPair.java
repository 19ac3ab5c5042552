package org.softwareheritage.provenance.server.ops;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code --tls-cert} and {@code --tls-key} of {@code serve}, checked at start: the key must be
 * a PKCS#8 PEM private key that belongs to the first certificate of the chain (otherwise every
 * handshake would fail later, with nothing in the server's log).
 */
final class TlsKeyPair {
  private static final Pattern PKCS8 =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private TlsKeyPair() {}

  /**
   * @throws IllegalArgumentException one line saying which file is wrong and why
   */
  static void check(Path certificateFile, Path keyFile) {
    X509Certificate certificate;
    try (InputStream in = Files.newInputStream(certificateFile)) {
      certificate =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "--tls-cert " + certificateFile + ": not a PEM certificate: " + e.getMessage(), e);
    }
    PublicKey publicKey = certificate.getPublicKey();
    Matcher pem;
    try {
      pem = PKCS8.matcher(Files.readString(keyFile, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--tls-key " + keyFile + ": cannot read: " + e.getMessage(), e);
    }
    if (!pem.find()) {
      throw new IllegalArgumentException(
          "--tls-key "
              + keyFile
              + ": not a PKCS#8 PEM private key"
              + " (BEGIN PRIVATE KEY; convert with openssl pkcs8 -topk8 -nocrypt)");
    }
    PrivateKey privateKey;
    try {
      byte[] der = Base64.getMimeDecoder().decode(pem.group(1));
      privateKey =
          KeyFactory.getInstance(publicKey.getAlgorithm())
              .generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--tls-key "
              + keyFile
              + " does not belong to the "
              + publicKey.getAlgorithm()
              + " certificate of --tls-cert "
              + certificateFile
              + ": "
              + e.getMessage(),
          e);
    }
    if (!signsFor(privateKey, publicKey)) {
      throw new IllegalArgumentException(
          "--tls-key "
              + keyFile
              + " does not belong to the certificate "
              + certificate.getSubjectX500Principal().getName()
              + " of --tls-cert "
              + certificateFile);
    }
  }

  /** Whether a signature made with {@code privateKey} verifies with {@code publicKey}. */
  private static boolean signsFor(PrivateKey privateKey, PublicKey publicKey) {
    String algorithm =
        switch (publicKey.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> publicKey.getAlgorithm(); // Ed25519, Ed448, EdDSA
        };
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
