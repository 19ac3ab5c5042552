package org.softwareheritage.provenance.server.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code health}: asks a running server's standard health service whether it is serving, for
 * container health checks and exec probes where no {@code grpc_health_probe} binary is available.
 * Exit code 0 when SERVING, 1 otherwise (not serving, unreachable, or too slow to answer); with
 * {@code --any-status}, 0 whenever the health service answers, which makes a liveness check that
 * stays green in maintenance and while loading or draining, when the server is NOT_SERVING on purpose.
 */
@Command(name = "health", mixinStandardHelpOptions = true,
    description = "Check a running server through grpc.health.v1: exit 0 when SERVING (or, with --any-status, "
        + "when it answers at all), 1 otherwise.")
final class HealthCommand implements Callable<Integer> {
  @Spec
  private CommandSpec spec;

  @Option(names = "--target", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:50141",
      description = "Server to check, plaintext gRPC (default: ${DEFAULT-VALUE}).")
  private String target;

  @Option(names = "--service", paramLabel = "NAME", defaultValue = "",
      description = "Service to check; empty for the whole server (default: the whole server).")
  private String service;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT5S",
      description = "Deadline of the check (ISO-8601, default: ${DEFAULT-VALUE}).")
  private Duration timeout;

  @Option(names = "--any-status",
      description = "Exit 0 whenever the health service answers, whatever the status (a liveness check).")
  private boolean anyStatus;

  @Override
  public Integer call() throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    try {
      ServingStatus status = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build())
          .getStatus();
      spec.commandLine().getOut().println(status);
      return status == ServingStatus.SERVING || anyStatus ? 0 : 1;
    } catch (StatusRuntimeException e) {
      spec.commandLine().getErr().println("error: health check of " + target + " failed: "
          + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : " " + e.getStatus().getDescription()));
      return 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
