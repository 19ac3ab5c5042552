package org.softwareheritage.provenance.server.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code health}: asks a running server's standard health service whether it is serving, for
 * container health checks and exec probes where no {@code grpc_health_probe} binary is available.
 * Exit code 0 when SERVING, 1 otherwise (not serving, unreachable, or too slow to answer); with
 * {@code --any-status}, 0 whenever the health service answers. Plaintext by default; TLS with
 * {@code --tls} or a CA file, which defaults to the server's own {@code SWH_PROVENANCE_TLS_CERT},
 * so the image's HEALTHCHECK works against a TLS server too.
 */
@Command(
    name = "health",
    mixinStandardHelpOptions = true,
    description =
        "Check a running server through grpc.health.v1: exit 0 when SERVING (or, with --any-status,"
            + " when it answers at all), 1 otherwise.")
final class HealthCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--target",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:50141",
      description = "Server to check (default: ${DEFAULT-VALUE}).")
  private String target;

  @Option(
      names = "--service",
      paramLabel = "NAME",
      defaultValue = "",
      description =
          "Service to check; empty for the whole server, 'liveness' for a check that stays SERVING "
              + "while loading, in maintenance and while draining (default: the whole server).")
  private String service;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "PT5S",
      description = "Deadline of the check (ISO-8601, default: ${DEFAULT-VALUE}).")
  private Duration timeout;

  @Option(
      names = "--any-status",
      description =
          "Exit 0 whenever the health service answers, whatever the status (a liveness check).")
  private boolean anyStatus;

  @Option(
      names = "--tls",
      description = "Speak TLS, trusting the JVM's certificate authorities (default: plaintext).")
  private boolean tls;

  @Option(
      names = "--ca-file",
      paramLabel = "PEM",
      defaultValue = "${env:SWH_PROVENANCE_TLS_CERT}",
      description =
          "Speak TLS, trusting these certificates (default: SWH_PROVENANCE_TLS_CERT, the"
              + " certificate a server in the same container serves; unset: plaintext).")
  private Path caFile;

  @Option(
      names = "--server-name",
      paramLabel = "NAME",
      description =
          "Name the server's certificate must carry (default: with --ca-file, the first DNS name of"
              + " its first certificate; otherwise the target's host).")
  private String serverName;

  @Override
  public Integer call() throws Exception {
    ManagedChannel channel = channel();
    try {
      ServingStatus status =
          HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .check(HealthCheckRequest.newBuilder().setService(service).build())
              .getStatus();
      spec.commandLine().getOut().println(status);
      return status == ServingStatus.SERVING || anyStatus ? 0 : 1;
    } catch (StatusRuntimeException e) {
      spec.commandLine()
          .getErr()
          .println(
              "error: health check of "
                  + target
                  + " failed: "
                  + e.getStatus().getCode()
                  + (e.getStatus().getDescription() == null
                      ? ""
                      : " " + e.getStatus().getDescription()));
      return 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private ManagedChannel channel() throws IOException, GeneralSecurityException {
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target);
    if (caFile == null && !tls) {
      return builder.usePlaintext().build();
    }
    if (caFile == null) {
      builder.sslContext(GrpcSslContexts.forClient().build());
    } else {
      builder.sslContext(GrpcSslContexts.forClient().trustManager(caFile.toFile()).build());
    }
    String name = serverName != null ? serverName : caFile != null ? firstName(caFile) : null;
    if (name != null) {
      builder.overrideAuthority(name);
    }
    return builder.useTransportSecurity().build();
  }

  /**
   * The first DNS subject alternative name of the first certificate in {@code pem}, else its CN.
   */
  private static String firstName(Path pem) throws IOException, GeneralSecurityException {
    X509Certificate certificate;
    try (InputStream in = Files.newInputStream(pem)) {
      certificate =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    if (certificate.getSubjectAlternativeNames() != null) {
      for (List<?> name : certificate.getSubjectAlternativeNames()) {
        if (Integer.valueOf(2).equals(name.get(0))) {
          return (String) name.get(1);
        }
      }
    }
    try {
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
    } catch (javax.naming.InvalidNameException e) {
      throw new GeneralSecurityException(pem + ": unreadable certificate subject", e);
    }
    return null;
  }
}
