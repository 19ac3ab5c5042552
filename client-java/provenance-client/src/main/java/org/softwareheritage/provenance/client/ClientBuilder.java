package org.softwareheritage.provenance.client;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * Connection settings shared by {@link ProvenanceClient} and the Arrow Flight client: where the
 * server is, plaintext or TLS (system trust store or a CA file), an optional bearer token and the
 * largest message accepted. One channel is built from them per client, by the transport each client
 * uses.
 *
 * @param <B> the concrete builder, returned by every setter for chaining
 */
public abstract class ClientBuilder<B extends ClientBuilder<B>> {
  /** The server's default address. */
  public static final String DEFAULT_TARGET = "localhost:50141";

  /** Largest message accepted from the server unless set otherwise: 64 MiB. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  private String target = DEFAULT_TARGET;
  private boolean tls;
  private Path caFile;
  private BearerToken token;
  private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
  private boolean connectionSet;

  protected ClientBuilder() {}

  /** The server as {@code host:port} (or any gRPC target URI); default {@value #DEFAULT_TARGET}. */
  public B target(String target) {
    if (target == null || target.isBlank()) {
      throw new IllegalArgumentException("the target is host:port, e.g. " + DEFAULT_TARGET);
    }
    this.target = target.strip();
    connectionSet = true;
    return self();
  }

  /**
   * Unencrypted HTTP/2 (the default), for a server on a trusted network or behind a local proxy.
   */
  public B plaintext() {
    this.tls = false;
    this.caFile = null;
    connectionSet = true;
    return self();
  }

  /** TLS, trusting the JVM's default certificate authorities. */
  public B tls() {
    this.tls = true;
    this.caFile = null;
    connectionSet = true;
    return self();
  }

  /** TLS, trusting the PEM certificate authorities in {@code caFile} (e.g. a private CA). */
  public B tls(Path caFile) {
    this.tls = true;
    this.caFile = Objects.requireNonNull(caFile, "caFile");
    connectionSet = true;
    return self();
  }

  /** Sends {@code authorization: Bearer <token>} with every call; {@code null} sends none. */
  public B bearerToken(String token) {
    this.token = token == null ? null : new BearerToken(token);
    return self();
  }

  /** Largest message accepted from the server, in bytes. */
  public B maxMessageBytes(int maxMessageBytes) {
    if (maxMessageBytes < 1024) {
      throw new IllegalArgumentException(
          "maxMessageBytes must be at least 1024, got " + maxMessageBytes);
    }
    this.maxMessageBytes = maxMessageBytes;
    connectionSet = true;
    return self();
  }

  protected abstract B self();

  /** The target the channel connects to. */
  protected String target() {
    return target;
  }

  /** Whether a setting of the connection itself (target, TLS, message size) was made. */
  protected boolean connectionSet() {
    return connectionSet;
  }

  /** The bearer token as a channel interceptor, or null if none is sent. */
  BearerToken token() {
    return token;
  }

  /**
   * A channel builder configured with these settings, made by {@code transport} (e.g. {@code
   * NettyChannelBuilder::forTarget}) from the target and credentials, for the concrete builder to
   * finish.
   */
  protected <T extends ManagedChannelBuilder<T>> T channelBuilder(
      BiFunction<String, ChannelCredentials, T> transport) {
    T builder = transport.apply(target, credentials()).maxInboundMessageSize(maxMessageBytes);
    if (token != null) {
      builder.intercept(token);
    }
    return builder;
  }

  private ChannelCredentials credentials() {
    if (!tls) {
      return InsecureChannelCredentials.create();
    }
    if (caFile == null) {
      return TlsChannelCredentials.create();
    }
    if (!Files.isReadable(caFile)) {
      throw new IllegalArgumentException("cannot read the CA file " + caFile);
    }
    try (InputStream pem = Files.newInputStream(caFile)) {
      if (CertificateFactory.getInstance("X.509").generateCertificates(pem).isEmpty()) {
        throw new CertificateException("no certificate found");
      }
      return TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build();
    } catch (IOException | CertificateException e) {
      throw new IllegalArgumentException(
          "the CA file " + caFile + " is not a PEM certificate: " + e.getMessage(), e);
    }
  }
}
