package org.softwareheritage.provenance.client;

import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Connection settings shared by {@link ProvenanceClient} and the Arrow Flight client: where the
 * server is, plaintext or TLS (system trust store or a CA file), an optional bearer token and the
 * largest message accepted. One channel is built from them per client.
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

  protected ClientBuilder() {}

  /** The server as {@code host:port} (or any gRPC target URI); default {@value #DEFAULT_TARGET}. */
  public B target(String target) {
    if (target == null || target.isBlank()) {
      throw new IllegalArgumentException("the target is host:port, e.g. " + DEFAULT_TARGET);
    }
    this.target = target.strip();
    return self();
  }

  /** Unencrypted HTTP/2 (the default), for a server on a trusted network or behind a local proxy. */
  public B plaintext() {
    this.tls = false;
    this.caFile = null;
    return self();
  }

  /** TLS, trusting the JVM's default certificate authorities. */
  public B tls() {
    this.tls = true;
    this.caFile = null;
    return self();
  }

  /** TLS, trusting the PEM certificate authorities in {@code caFile} (e.g. a private CA). */
  public B tls(Path caFile) {
    this.tls = true;
    this.caFile = Objects.requireNonNull(caFile, "caFile");
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
      throw new IllegalArgumentException("maxMessageBytes must be at least 1024, got " + maxMessageBytes);
    }
    this.maxMessageBytes = maxMessageBytes;
    return self();
  }

  protected abstract B self();

  /** The target the channel connects to. */
  protected String target() {
    return target;
  }

  /** A channel builder configured with these settings, for the concrete builder to finish. */
  protected NettyChannelBuilder channelBuilder() {
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target).maxInboundMessageSize(maxMessageBytes);
    if (!tls) {
      builder.usePlaintext();
    } else if (caFile == null) {
      builder.useTransportSecurity();
    } else {
      if (!Files.isReadable(caFile)) {
        throw new IllegalArgumentException("cannot read the CA file " + caFile);
      }
      try {
        builder.sslContext(GrpcSslContexts.forClient().trustManager(caFile.toFile()).build());
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException("the CA file " + caFile + " is not a PEM certificate: " + e.getMessage(), e);
      }
    }
    if (token != null) {
      builder.intercept(token);
    }
    return builder;
  }
}
