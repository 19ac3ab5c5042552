package org.softwareheritage.provenance.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.memory.BufferAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.server.example.ExampleDatabase;
import org.softwareheritage.provenance.server.flight.FlightOptions;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.testing.MessageCounter;
import org.softwareheritage.provenance.server.testing.RunningServer;

/**
 * WhereAreOne sends only as fast as the client reads, and stops on deadline or cancellation. An
 * interceptor on the real server counts the messages the service hands to the transport.
 */
class StreamingTest {
  private static final int REQUESTED = 300_000;

  @TempDir static Path directory;

  private static final AtomicInteger SENT = new AtomicInteger();
  private static RunningServer server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
      ExampleDatabase.write(directory, allocator);
    }
    server =
        RunningServer.start(
            directory,
            FlightOptions.DEFAULT,
            builder -> builder.intercept(new MessageCounter(SENT)));
    channel = server.channel();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @BeforeEach
  void resetCounter() {
    SENT.set(0);
  }

  private static WhereAreOneRequest largeRequest() {
    WhereAreOneRequest.Builder request = WhereAreOneRequest.newBuilder();
    String swhid = swhid("cnt", "01");
    for (int i = 0; i < REQUESTED; i++) {
      request.addSwhid(swhid);
    }
    return request.build();
  }

  @Test
  void aClientThatDoesNotReadHoldsTheServerBack() throws Exception {
    AtomicReference<ClientCallStreamObserver<WhereAreOneRequest>> call = new AtomicReference<>();
    AtomicInteger received = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    ProvenanceServiceGrpc.newStub(channel)
        .whereAreOne(
            largeRequest(),
            new ClientResponseObserver<WhereAreOneRequest, WhereIsOneResult>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<WhereAreOneRequest> requestStream) {
                call.set(requestStream);
                requestStream.disableAutoRequestWithInitial(1);
              }

              @Override
              public void onNext(WhereIsOneResult value) {
                received.incrementAndGet();
              }

              @Override
              public void onError(Throwable t) {
                done.countDown();
              }

              @Override
              public void onCompleted() {
                done.countDown();
              }
            });
    Thread.sleep(1500);
    int sentWhileStalled = SENT.get();
    assertTrue(
        sentWhileStalled < REQUESTED / 10,
        "sent " + sentWhileStalled + " results to a client that read 1");
    call.get().request(Integer.MAX_VALUE);
    assertTrue(done.await(60, TimeUnit.SECONDS));
    assertEquals(REQUESTED, received.get());
    assertEquals(REQUESTED, SENT.get());
  }

  @Test
  void deadlineStopsTheStream() throws Exception {
    Iterator<WhereIsOneResult> results =
        ProvenanceServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(2, TimeUnit.SECONDS)
            .whereAreOne(largeRequest());
    results.next();
    Thread.sleep(2500);
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> {
              while (results.hasNext()) {
                results.next();
              }
            });
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    assertServerStopsSending();
  }

  @Test
  void cancellationStopsTheStream() throws Exception {
    AtomicReference<ClientCallStreamObserver<WhereAreOneRequest>> call = new AtomicReference<>();
    CountDownLatch first = new CountDownLatch(1);
    ProvenanceServiceGrpc.newStub(channel)
        .whereAreOne(
            largeRequest(),
            new ClientResponseObserver<WhereAreOneRequest, WhereIsOneResult>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<WhereAreOneRequest> requestStream) {
                call.set(requestStream);
                requestStream.disableAutoRequestWithInitial(1);
              }

              @Override
              public void onNext(WhereIsOneResult value) {
                first.countDown();
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    assertTrue(first.await(10, TimeUnit.SECONDS));
    call.get().cancel("enough", null);
    assertServerStopsSending();
    assertTrue(SENT.get() < REQUESTED / 10, "sent " + SENT.get());
  }

  /** After the call ends, the count of sent results stops growing and the server still answers. */
  private static void assertServerStopsSending() throws InterruptedException {
    Thread.sleep(300);
    int settled = SENT.get();
    Thread.sleep(500);
    assertEquals(settled, SENT.get());
    WhereIsOneResult result =
        ProvenanceServiceGrpc.newBlockingStub(channel)
            .whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhid("cnt", "01")).build());
    assertEquals(swhid("rev", "03"), result.getAnchor());
  }
}
