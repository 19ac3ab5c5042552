package org.softwareheritage.provenance.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.server.ProvenanceServer;
import org.softwareheritage.provenance.server.example.ExampleDatabase;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.testing.OpsServer;
import org.softwareheritage.provenance.server.testing.RunningServer;
import org.softwareheritage.provenance.server.testing.SelfSignedCertificate;
import org.softwareheritage.provenance.server.testing.Settings;
import picocli.CommandLine;

/**
 * {@code health} against real servers: serving, not serving (with and without {@code
 * --any-status}), unknown service, TLS, the liveness name, nothing listening.
 */
class HealthCommandTest {
  @Test
  void servingServerExitsZero(@TempDir Path directory) throws Exception {
    try (BufferAllocator writer = ArrowMemory.newRootAllocator()) {
      ExampleDatabase.write(directory, writer);
      servingServer(directory);
    }
  }

  /**
   * Runs while the writer's allocator is still open: the native writer may release exported buffers
   * late.
   */
  private static void servingServer(Path directory) throws Exception {
    try (RunningServer server = RunningServer.start(directory)) {
      String target = "127.0.0.1:" + server.port();
      Run whole = run("health", "--target", target);
      assertEquals(0, whole.exitCode, whole.err);
      assertEquals("SERVING", whole.out.strip());
      Run provenance =
          run("health", "--target", target, "--service", "swh.provenance.ProvenanceService");
      assertEquals(0, provenance.exitCode, provenance.err);
      Run unknown = run("health", "--target", target, "--service", "no.such.Service");
      assertEquals(1, unknown.exitCode);
      assertTrue(
          unknown.err.startsWith("error: health check of " + target + " failed: NOT_FOUND"),
          unknown.err);
    }
  }

  @Test
  void notServingServerExitsOne() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(health.getHealthService())
            .build()
            .start();
    try {
      Run run = run("health", "--target", "127.0.0.1:" + server.getPort());
      assertEquals(1, run.exitCode);
      assertEquals("NOT_SERVING", run.out.strip());
      Run live = run("health", "--target", "127.0.0.1:" + server.getPort(), "--any-status");
      assertEquals(0, live.exitCode, live.err);
      assertEquals("NOT_SERVING", live.out.strip());
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * A TLS server, its health read through its own certificate; the liveness name answers while
   * loading.
   */
  @Test
  void tlsAndLiveness(@TempDir Path directory) throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.write(directory);
    Settings settings = new Settings();
    settings.tlsCert = certificate.certificate();
    settings.tlsKey = certificate.privateKey();
    try (OpsServer server = OpsServer.listen(settings.build(), Map.of(), builder -> {})) {
      String target = "127.0.0.1:" + server.port();
      Run loading =
          run("health", "--target", target, "--ca-file", certificate.certificate().toString());
      assertEquals(1, loading.exitCode, loading.err);
      assertEquals("NOT_SERVING", loading.out.strip(), "the database is not loaded");
      Run live =
          run(
              "health",
              "--target",
              target,
              "--ca-file",
              certificate.certificate().toString(),
              "--service",
              ProvenanceServer.LIVENESS);
      assertEquals(0, live.exitCode, live.err);
      assertEquals("SERVING", live.out.strip());
      server.server().setMaintenance(true);
      assertEquals(
          0,
          run(
                  "health",
                  "--target",
                  target,
                  "--ca-file",
                  certificate.certificate().toString(),
                  "--service",
                  ProvenanceServer.LIVENESS)
              .exitCode,
          "liveness stays SERVING in maintenance");
      Run plaintext = run("health", "--target", target, "--timeout", "PT2S");
      assertEquals(1, plaintext.exitCode);
      assertTrue(
          plaintext.err.startsWith("error: health check of " + target + " failed: UNAVAILABLE"),
          plaintext.err);
      Run untrusted = run("health", "--target", target, "--timeout", "PT2S", "--tls");
      assertEquals(1, untrusted.exitCode, "a self-signed certificate is not trusted by default");
    }
  }

  @Test
  void nothingListeningExitsOneWithOneLine() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Run run = run("health", "--target", "127.0.0.1:" + port, "--timeout", "PT2S", "--any-status");
    assertEquals(1, run.exitCode);
    assertTrue(
        run.err.startsWith("error: health check of 127.0.0.1:" + port + " failed: UNAVAILABLE"),
        run.err);
    assertEquals(1, run.err.strip().lines().count(), run.err);
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine command = ProvenanceServerCommand.commandLine();
    command.setOut(new PrintWriter(out, true));
    command.setErr(new PrintWriter(err, true));
    int exitCode = command.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  private record Run(int exitCode, String out, String err) {}
}
