package org.softwareheritage.provenance.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;

/**
 * The interceptors of this package in-process, in the style of grpc-java's {@code
 * HeaderServerInterceptorTest}: a small ProvenanceService that answers who called (the identity
 * authentication established) and holds WhereAreOne streams open until released, behind the
 * interceptors under test, reached through an in-process channel.
 */
class InterceptorsTest {
  private static final String KNOWN = "swh:1:cnt:0000000000000000000000000000000000000001";
  private static final String UNKNOWN = "swh:1:cnt:0000000000000000000000000000000000000002";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> FORWARDED =
      Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  private final String name = InProcessServerBuilder.generateName();
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Server server;

  /**
   * Answers WhereIsOne with the caller's identity as origin (NOT_FOUND for UNKNOWN); holds
   * WhereAreOne until released.
   */
  private final class Service extends ProvenanceServiceGrpc.ProvenanceServiceImplBase {
    @Override
    public void whereIsOne(WhereIsOneRequest request, StreamObserver<WhereIsOneResult> responses) {
      if (request.getSwhid().equals(UNKNOWN)) {
        responses.onError(Status.NOT_FOUND.asRuntimeException());
        return;
      }
      String identity = ClientIdentity.current();
      responses.onNext(
          WhereIsOneResult.newBuilder()
              .setSwhid(request.getSwhid())
              .setOrigin(identity == null ? "anonymous" : identity)
              .build());
      responses.onCompleted();
    }

    @Override
    public void whereAreOne(
        WhereAreOneRequest request, StreamObserver<WhereIsOneResult> responses) {
      responses.onNext(WhereIsOneResult.newBuilder().setSwhid(KNOWN).build());
      new Thread(
              () -> {
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                responses.onCompleted();
              })
          .start();
    }
  }

  /** The service behind {@code interceptors}, the first of them outermost. */
  private void start(ServerInterceptor... interceptors) throws Exception {
    List<ServerInterceptor> innermostFirst = new ArrayList<>(List.of(interceptors));
    Collections.reverse(innermostFirst);
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(ServerInterceptors.intercept(new Service(), innermostFirst))
            .build()
            .start();
  }

  /** A stub whose calls carry {@code headers} (name, value, name, value, …). */
  private ProvenanceServiceGrpc.ProvenanceServiceBlockingStub client(String... headers) {
    Metadata metadata = new Metadata();
    for (int i = 0; i < headers.length; i += 2) {
      metadata.put(Metadata.Key.of(headers[i], Metadata.ASCII_STRING_MARSHALLER), headers[i + 1]);
    }
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(channel);
    return ProvenanceServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static WhereIsOneRequest whereIs(String swhid) {
    return WhereIsOneRequest.newBuilder().setSwhid(swhid).build();
  }

  private static StatusRuntimeException refused(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run);
  }

  @Test
  void authenticationNamesTheCallerAndRefusesEveryOtherTokenAlike(@TempDir Path directory)
      throws Exception {
    Path tokens = Files.writeString(directory.resolve("tokens"), "alice s3cret\n");
    start(
        new CallMonitor(new SimpleMeterRegistry()),
        new BearerAuthentication(List.of(StaticTokens.load(tokens)), null, new ClientKeys(null)));
    assertEquals(
        "alice", client("authorization", "Bearer s3cret").whereIsOne(whereIs(KNOWN)).getOrigin());
    for (StatusRuntimeException e :
        List.of(
            refused(() -> client().whereIsOne(whereIs(KNOWN))),
            refused(() -> client("authorization", "Bearer wrong").whereIsOne(whereIs(KNOWN))),
            refused(() -> client("authorization", "Basic s3cret").whereIsOne(whereIs(KNOWN))))) {
      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
      assertEquals(BearerAuthentication.UNAUTHENTICATED_MESSAGE, e.getStatus().getDescription());
    }
  }

  @Test
  void oneClientCannotTakeEveryPermitAndPermitsComeBackWhenCallsEnd() throws Exception {
    start(new ConcurrencyLimit(2, 1, new ClientKeys("x-forwarded-for")));
    Iterator<WhereIsOneResult> held =
        client("x-forwarded-for", "10.0.0.1")
            .whereAreOne(WhereAreOneRequest.newBuilder().addSwhid(KNOWN).build());
    assertEquals(KNOWN, held.next().getSwhid());
    StatusRuntimeException sameClient =
        refused(() -> client("x-forwarded-for", "10.0.0.1").whereIsOne(whereIs(KNOWN)));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, sameClient.getStatus().getCode());
    assertEquals("1000", sameClient.getTrailers().get(PUSHBACK));
    Iterator<WhereIsOneResult> other =
        client("x-forwarded-for", "proxy, 10.0.0.2")
            .whereAreOne(WhereAreOneRequest.newBuilder().addSwhid(KNOWN).build());
    assertEquals(KNOWN, other.next().getSwhid());
    assertEquals(
        Status.Code.RESOURCE_EXHAUSTED,
        refused(() -> client("x-forwarded-for", "10.0.0.3").whereIsOne(whereIs(KNOWN)))
            .getStatus()
            .getCode(),
        "two calls run: the server's limit");
    release.countDown();
    held.forEachRemaining(result -> {});
    other.forEachRemaining(result -> {});
    assertEquals(
        KNOWN, client("x-forwarded-for", "10.0.0.1").whereIsOne(whereIs(KNOWN)).getSwhid());
  }

  @Test
  void refusedTokensCountAgainstTheirAddressesRateLimit(@TempDir Path directory) throws Exception {
    Path tokens = Files.writeString(directory.resolve("tokens"), "alice s3cret\n");
    ClientKeys clients = new ClientKeys("x-forwarded-for");
    RateLimit rateLimit = new RateLimit(1, 2, clients);
    start(
        new CallMonitor(new SimpleMeterRegistry()),
        new BearerAuthentication(List.of(StaticTokens.load(tokens)), rateLimit, clients),
        rateLimit);
    for (int i = 0; i < 2; i++) {
      assertEquals(
          Status.Code.UNAUTHENTICATED,
          refused(
                  () ->
                      client("x-forwarded-for", "10.0.0.9", "authorization", "Bearer guess")
                          .whereIsOne(whereIs(KNOWN)))
              .getStatus()
              .getCode());
    }
    StatusRuntimeException limited =
        refused(
            () ->
                client("x-forwarded-for", "10.0.0.9", "authorization", "Bearer guess")
                    .whereIsOne(whereIs(KNOWN)));
    assertEquals(
        Status.Code.RESOURCE_EXHAUSTED, limited.getStatus().getCode(), "guessing is throttled");
    assertTrue(Long.parseLong(limited.getTrailers().get(PUSHBACK)) > 0);
    assertEquals(
        "alice",
        client("x-forwarded-for", "10.0.0.10", "authorization", "Bearer s3cret")
            .whereIsOne(whereIs(KNOWN))
            .getOrigin(),
        "another address has its own bucket");
  }

  @Test
  void theMonitorCountsEveryCallByPathAndStatusAsUpstreamDoes() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    start(new CallMonitor(registry));
    client().whereIsOne(whereIs(KNOWN));
    refused(() -> client().whereIsOne(whereIs(UNKNOWN)));
    String path = "/" + ProvenanceServiceGrpc.getWhereIsOneMethod().getFullMethodName();
    for (String grpcStatus : List.of("OK", "NOT_FOUND")) {
      var requests =
          registry
              .find(Metrics.name("requests_total"))
              .tags("path", path, "status", "200", "grpc_status", grpcStatus)
              .counter();
      assertEquals(1.0, requests.count(), grpcStatus);
      assertEquals(
          1L,
          registry
              .find(Metrics.name("response_wall_time_ms"))
              .tags("path", path, "grpc_status", grpcStatus)
              .timer()
              .count(),
          grpcStatus);
      assertEquals(
          1L,
          registry
              .find(Metrics.name("streaming_wall_time_ms"))
              .tags("path", path, "grpc_status", grpcStatus)
              .timer()
              .count(),
          grpcStatus);
    }
    assertEquals(
        2.0,
        registry.find(Metrics.name("frames_total")).tags("grpc_status", "OK").counter().count(),
        "a response and the trailers");
    assertEquals(
        1.0,
        registry
            .find(Metrics.name("frames_total"))
            .tags("grpc_status", "NOT_FOUND")
            .counter()
            .count(),
        "the trailers");
  }
}
