package org.softwareheritage.provenance.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.GRAPH2;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.proto.ProvenanceServiceGrpc;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.server.testing.ExampleDirectory;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * ProvenanceClient in-process against the server's own ProvenanceService on the golden database:
 * answers, batching, order, typed errors, deadlines, tokens, a channel the caller owns, and the
 * non-blocking calls.
 */
@Timeout(60)
class ProvenanceClientTest {
  @TempDir static Path directory;

  private static Path database;
  private final CallRecorder calls = new CallRecorder();
  private InProcessProvenanceServer server;
  private ManagedChannel channel;
  private ProvenanceClient client;

  @BeforeAll
  static void writeDatabase() throws Exception {
    database = ExampleDirectory.write(directory.resolve("db"));
  }

  @BeforeEach
  void start() throws Exception {
    server = InProcessProvenanceServer.start(database, calls);
    channel = server.newChannel();
    client = ProvenanceClient.builder().channel(channel).batchSize(3).build();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  private static Swhid s(String type, String last) {
    return Swhid.parse(swhid(type, last));
  }

  /** What a StreamObserver received: results, then one completion or one error. */
  private static class Received implements StreamObserver<ProvenanceResult> {
    final List<ProvenanceResult> results = new CopyOnWriteArrayList<>();
    final CountDownLatch done = new CountDownLatch(1);
    volatile Throwable error;
    volatile int ends;

    @Override
    public void onNext(ProvenanceResult result) {
      results.add(result);
    }

    @Override
    public void onError(Throwable failure) {
      error = failure;
      ends++;
      done.countDown();
    }

    @Override
    public void onCompleted() {
      ends++;
      done.countDown();
    }

    Received await() throws InterruptedException {
      assertTrue(done.await(30, TimeUnit.SECONDS), "the observer was completed");
      return this;
    }
  }

  @Test
  void whereIsGivesQualifiedSwhids() {
    Optional<QualifiedSwhid> answer = client.whereIs(s("cnt", "01")).qualified();
    assertEquals(
        Optional.of(swhid("cnt", "01") + ";origin=" + GRAPH2 + ";anchor=" + swhid("rev", "03")),
        answer.map(Object::toString));
    ProvenanceResult release = client.whereIs(s("rel", "19"));
    assertEquals(Optional.of(s("rel", "19")), release.anchor());
    assertEquals(Optional.empty(), release.origin());
    assertEquals(
        swhid("rel", "19") + ";anchor=" + swhid("rel", "19"),
        release.qualified().orElseThrow().toString());
  }

  @Test
  void whereIsIsEmptyWithoutProvenance() {
    ProvenanceResult result = client.whereIs(s("dir", "06"));
    assertTrue(result.isEmpty());
    assertEquals(Optional.empty(), result.qualified());
    assertEquals(s("dir", "06"), result.swhid());
  }

  @Test
  void unknownSwhidIsNotFound() {
    SwhidNotFoundException e =
        assertThrows(SwhidNotFoundException.class, () -> client.whereIs(s("cnt", "99")));
    assertEquals(Status.Code.NOT_FOUND, e.status().getCode());
    assertTrue(e.getMessage().contains(swhid("cnt", "99")), e.getMessage());
  }

  @Test
  void invalidArgumentFromTheServerIsTyped() {
    StatusRuntimeException failure =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                ProvenanceServiceGrpc.newBlockingStub(channel)
                    .whereIsOne(WhereIsOneRequest.newBuilder().setSwhid("swh:1:cnt:nope").build()));
    ProvenanceException e = ProvenanceException.of(failure);
    assertInstanceOf(InvalidRequestException.class, e);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.status().getCode());
    assertTrue(e.getMessage().contains("swh:1:cnt:nope"), e.getMessage());
  }

  @Test
  void whereAreKeepsRequestOrderAcrossBatches() {
    List<Swhid> swhids =
        List.of(
            s("rel", "19"),
            s("cnt", "99"),
            s("cnt", "15"),
            s("dir", "08"),
            s("cnt", "01"),
            s("dir", "06"),
            s("cnt", "01"),
            s("snp", "20"),
            s("cnt", "11"),
            s("rev", "03"));
    List<ProvenanceResult> results = client.whereAre(swhids);
    assertEquals(swhids, results.stream().map(ProvenanceResult::swhid).toList());
    for (ProvenanceResult result : results) {
      ProvenanceResult alone =
          result.swhid().equals(s("cnt", "99"))
              ? new ProvenanceResult(s("cnt", "99"), null, null)
              : client.whereIs(result.swhid());
      assertEquals(alone, result);
    }
    assertEquals(4, calls.count("WhereAreOne"), "10 SWHIDs in batches of 3");
  }

  @Test
  void whereAreOfNothingMakesNoCall() {
    assertEquals(List.of(), client.whereAre(List.of()));
    assertEquals(0, calls.count("WhereAreOne"));
  }

  @Test
  void streamWhereAreReadsTheInputOneBatchAtATime() {
    List<Swhid> pulled = new ArrayList<>();
    Iterator<Swhid> input =
        Stream.generate(() -> s("cnt", "01")).limit(30).peek(pulled::add).iterator();
    try (Stream<ProvenanceResult> results = client.streamWhereAre(input)) {
      Iterator<ProvenanceResult> iterator = results.iterator();
      iterator.next();
      assertEquals(3, pulled.size(), "only the first batch is read before its answers");
      assertEquals(1, calls.count("WhereAreOne"));
    }
    assertEquals(
        4,
        client
            .whereAre(List.of(s("cnt", "01"), s("cnt", "04"), s("cnt", "05"), s("cnt", "07")))
            .size(),
        "the client still works after a stream closed early");
  }

  @Test
  void deadlineExceededAgainstASlowServer() {
    calls.delay(1500);
    try (ProvenanceClient impatient =
        ProvenanceClient.builder().channel(channel).deadline(Duration.ofMillis(300)).build()) {
      ProvenanceException e =
          assertThrows(ProvenanceException.class, () -> impatient.whereIs(s("cnt", "01")));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.status().getCode());
      ProvenanceException batch =
          assertThrows(
              ProvenanceException.class, () -> impatient.whereAre(List.of(s("cnt", "01"))));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, batch.status().getCode());
    }
  }

  @Test
  void bearerTokenIsSentWithEveryCall() throws Exception {
    try (ProvenanceClient withToken =
        ProvenanceClient.builder().channel(channel).bearerToken("s3cret-token").build()) {
      withToken.whereIs(s("cnt", "01"));
      withToken.whereAre(List.of(s("cnt", "01")));
      withToken.whereIsAsync(s("cnt", "01")).get(10, TimeUnit.SECONDS);
    }
    client.whereIs(s("cnt", "01"));
    assertEquals(
        List.of("Bearer s3cret-token", "Bearer s3cret-token", "Bearer s3cret-token", "none"),
        calls.calls().stream()
            .map(c -> c.authorization() == null ? "none" : c.authorization())
            .collect(Collectors.toList()));
  }

  @Test
  void aChannelOfTheCallerStaysOpenWhenTheClientCloses() {
    client.close();
    assertFalse(channel.isShutdown());
    try (ProvenanceClient again = ProvenanceClient.builder().channel(channel).build()) {
      assertEquals(Optional.of(GRAPH2), again.whereIs(s("cnt", "01")).origin());
    }
    assertFalse(channel.isShutdown());
  }

  @Test
  void settingsOfTheChannelCannotBeGivenWithAChannel() {
    IllegalStateException target =
        assertThrows(
            IllegalStateException.class,
            () -> ProvenanceClient.builder().channel(channel).target("localhost:1").build());
    assertTrue(target.getMessage().contains("channel()"), target.getMessage());
    assertThrows(
        IllegalStateException.class,
        () -> ProvenanceClient.builder().channel(channel).tls().build());
    assertThrows(
        IllegalStateException.class,
        () -> ProvenanceClient.builder().channel(channel).noRetry().build());
    assertThrows(
        IllegalStateException.class,
        () -> ProvenanceClient.builder().channel(channel).maxMessageBytes(4096).build());
  }

  @Test
  void whereIsAsyncDoesNotWaitForTheAnswer() throws Exception {
    calls.delay(500);
    long start = System.nanoTime();
    CompletableFuture<ProvenanceResult> answer = client.whereIsAsync(s("cnt", "01"));
    assertTrue(
        System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(400),
        "returned before the server answered");
    assertEquals(client.whereIs(s("cnt", "01")), answer.get(10, TimeUnit.SECONDS));
    ExecutionException unknown =
        assertThrows(
            ExecutionException.class,
            () -> client.whereIsAsync(s("cnt", "99")).get(10, TimeUnit.SECONDS));
    SwhidNotFoundException notFound =
        assertInstanceOf(SwhidNotFoundException.class, unknown.getCause());
    assertEquals(Status.Code.NOT_FOUND, notFound.status().getCode());
  }

  @Test
  void cancellingTheFutureCancelsTheCall() throws Exception {
    calls.delay(1000);
    CompletableFuture<ProvenanceResult> answer = client.whereIsAsync(s("cnt", "01"));
    assertTrue(answer.cancel(true));
    assertThrows(CancellationException.class, answer::join);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!calls.cancelled().contains("WhereIsOne") && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(List.of("WhereIsOne"), calls.cancelled(), "the server saw the call cancelled");
  }

  @Test
  void whereAreObservedGivesTheBlockingAnswersInOrder() throws Exception {
    List<Swhid> swhids =
        List.of(
            s("rel", "19"),
            s("cnt", "99"),
            s("cnt", "15"),
            s("dir", "08"),
            s("cnt", "01"),
            s("dir", "06"),
            s("cnt", "01"),
            s("snp", "20"));
    Received received = new Received();
    client.whereAre(swhids, received);
    received.await();
    assertEquals(null, received.error);
    assertEquals(1, received.ends);
    assertEquals(client.whereAre(swhids), received.results);
    assertEquals(3 + 3, calls.count("WhereAreOne"), "8 SWHIDs in batches of 3, twice");
  }

  @Test
  void whereAreObservedOfNothingCompletesAtOnce() throws Exception {
    Received received = new Received();
    client.whereAre(List.of(), received);
    assertEquals(0, received.done.getCount());
    assertEquals(List.of(), received.results);
    assertEquals(0, calls.count("WhereAreOne"));
  }

  @Test
  void whereAreObservedReportsADeadlineOnce() throws Exception {
    calls.delay(1500);
    try (ProvenanceClient impatient =
        ProvenanceClient.builder().channel(channel).deadline(Duration.ofMillis(300)).build()) {
      Received received = new Received();
      impatient.whereAre(List.of(s("cnt", "01"), s("cnt", "04")), received);
      received.await();
      ProvenanceException e = assertInstanceOf(ProvenanceException.class, received.error);
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.status().getCode());
      assertEquals(1, received.ends);
    }
  }

  @Test
  void cancellingTheContextStopsTheBatches() throws Exception {
    List<Swhid> swhids = Stream.generate(() -> s("cnt", "01")).limit(30).toList();
    Context.CancellableContext context = Context.current().withCancellation();
    Received received =
        new Received() {
          @Override
          public void onNext(ProvenanceResult result) {
            super.onNext(result);
            if (results.size() == 4) {
              context.cancel(null);
            }
          }
        };
    context.run(() -> client.whereAre(swhids, received));
    received.await();
    ProvenanceException e = assertInstanceOf(ProvenanceException.class, received.error);
    assertEquals(Status.Code.CANCELLED, e.status().getCode());
    assertTrue(received.results.size() < 30, "stopped after " + received.results.size());
    assertTrue(calls.count("WhereAreOne") < 10, "no batch sent after the cancellation");
  }

  @Test
  void badSettingsAreRejectedAtOnce() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> ProvenanceClient.builder().batchSize(0));
    assertThrows(
        IllegalArgumentException.class, () -> ProvenanceClient.builder().deadline(Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class, () -> ProvenanceClient.builder().bearerToken("two words"));
    assertThrows(IllegalArgumentException.class, () -> ProvenanceClient.builder().target(" "));
    assertThrows(NullPointerException.class, () -> ProvenanceClient.builder().channel(null));
    IllegalArgumentException ca =
        assertThrows(
            IllegalArgumentException.class,
            () -> ProvenanceClient.builder().tls(directory.resolve("missing.pem")).build());
    assertTrue(ca.getMessage().contains("missing.pem"), ca.getMessage());
    IllegalArgumentException notPem =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ProvenanceClient.builder()
                    .tls(Files.writeString(directory.resolve("garbage.pem"), "not a certificate"))
                    .build());
    assertTrue(
        notPem.getMessage().contains("garbage.pem is not a PEM certificate"), notPem.getMessage());
  }

  @Test
  void unreachableServerIsUnavailable() {
    try (ProvenanceClient nowhere =
        ProvenanceClient.builder().target("127.0.0.1:1").noRetry().build()) {
      ProvenanceException e =
          assertThrows(ProvenanceException.class, () -> nowhere.whereIs(s("cnt", "01")));
      assertEquals(Status.Code.UNAVAILABLE, e.status().getCode());
      assertFalse(e instanceof SwhidNotFoundException);
    }
  }
}
