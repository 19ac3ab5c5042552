package org.softwareheritage.provenance.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softwareheritage.provenance.server.testing.Golden.GRAPH2;
import static org.softwareheritage.provenance.server.testing.Golden.swhid;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.server.flight.FlightOptions;
import org.softwareheritage.provenance.server.testing.ExampleDirectory;
import org.softwareheritage.provenance.server.testing.RunningServer;
import org.softwareheritage.provenance.swhid.Swhid;

/** ProvenanceClient against a real server on the golden database: answers, batching, order, typed errors, deadlines, tokens. */
class ProvenanceClientTest {
  @TempDir
  static Path directory;

  private static final CallRecorder CALLS = new CallRecorder();
  private static RunningServer server;
  private ProvenanceClient client;

  @BeforeAll
  static void start() throws Exception {
    server = RunningServer.start(ExampleDirectory.write(directory), FlightOptions.DEFAULT,
        b -> b.intercept(CALLS).callExecutor(CallRecorder.ON_WORKERS));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @BeforeEach
  void connect() {
    CALLS.clear();
    CALLS.delay(0);
    client = ProvenanceClient.builder().target("127.0.0.1:" + server.port()).batchSize(3).build();
  }

  @AfterEach
  void close() {
    client.close();
  }

  private static Swhid s(String type, String last) {
    return Swhid.parse(swhid(type, last));
  }

  @Test
  void whereIsGivesQualifiedSwhids() {
    Optional<QualifiedSwhid> answer = client.whereIs(s("cnt", "01")).qualified();
    assertEquals(Optional.of(swhid("cnt", "01") + ";origin=" + GRAPH2 + ";anchor=" + swhid("rev", "03")),
        answer.map(Object::toString));
    ProvenanceResult release = client.whereIs(s("rel", "19"));
    assertEquals(Optional.of(s("rel", "19")), release.anchor());
    assertEquals(Optional.empty(), release.origin());
    assertEquals(swhid("rel", "19") + ";anchor=" + swhid("rel", "19"), release.qualified().orElseThrow().toString());
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
    SwhidNotFoundException e = assertThrows(SwhidNotFoundException.class, () -> client.whereIs(s("cnt", "99")));
    assertEquals(Status.Code.NOT_FOUND, e.status().getCode());
    assertTrue(e.getMessage().contains(swhid("cnt", "99")), e.getMessage());
  }

  @Test
  void invalidArgumentFromTheServerIsTyped() {
    StatusRuntimeException failure = assertThrows(StatusRuntimeException.class,
        () -> server.blockingStub().whereIsOne(WhereIsOneRequest.newBuilder().setSwhid("swh:1:cnt:nope").build()));
    ProvenanceException e = ProvenanceException.of(failure);
    assertInstanceOf(InvalidRequestException.class, e);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.status().getCode());
    assertTrue(e.getMessage().contains("swh:1:cnt:nope"), e.getMessage());
  }

  @Test
  void whereAreKeepsRequestOrderAcrossBatches() {
    List<Swhid> swhids = List.of(s("rel", "19"), s("cnt", "99"), s("cnt", "15"), s("dir", "08"), s("cnt", "01"),
        s("dir", "06"), s("cnt", "01"), s("snp", "20"), s("cnt", "11"), s("rev", "03"));
    List<ProvenanceResult> results = client.whereAre(swhids);
    assertEquals(swhids, results.stream().map(ProvenanceResult::swhid).toList());
    for (ProvenanceResult result : results) {
      ProvenanceResult alone = result.swhid().equals(s("cnt", "99")) ? new ProvenanceResult(s("cnt", "99"), null, null)
          : client.whereIs(result.swhid());
      assertEquals(alone, result);
    }
    assertEquals(4, CALLS.count("WhereAreOne"), "10 SWHIDs in batches of 3");
  }

  @Test
  void whereAreOfNothingMakesNoCall() {
    assertEquals(List.of(), client.whereAre(List.of()));
    assertEquals(0, CALLS.count("WhereAreOne"));
  }

  @Test
  void streamWhereAreReadsTheInputOneBatchAtATime() {
    List<Swhid> pulled = new ArrayList<>();
    Iterator<Swhid> input = Stream.generate(() -> s("cnt", "01")).limit(30).peek(pulled::add).iterator();
    try (Stream<ProvenanceResult> results = client.streamWhereAre(input)) {
      Iterator<ProvenanceResult> iterator = results.iterator();
      iterator.next();
      assertEquals(3, pulled.size(), "only the first batch is read before its answers");
      assertEquals(1, CALLS.count("WhereAreOne"));
    }
    assertEquals(4, client.whereAre(List.of(s("cnt", "01"), s("cnt", "04"), s("cnt", "05"), s("cnt", "07"))).size(),
        "the client still works after a stream closed early");
  }

  @Test
  void deadlineExceededAgainstASlowServer() {
    CALLS.delay(1500);
    try (ProvenanceClient impatient = ProvenanceClient.builder().target("127.0.0.1:" + server.port())
        .deadline(Duration.ofMillis(300)).build()) {
      ProvenanceException e = assertThrows(ProvenanceException.class, () -> impatient.whereIs(s("cnt", "01")));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.status().getCode());
      ProvenanceException batch = assertThrows(ProvenanceException.class, () -> impatient.whereAre(List.of(s("cnt", "01"))));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, batch.status().getCode());
    }
  }

  @Test
  void bearerTokenIsSentWithEveryCall() {
    try (ProvenanceClient withToken = ProvenanceClient.builder().target("127.0.0.1:" + server.port())
        .bearerToken("s3cret-token").build()) {
      withToken.whereIs(s("cnt", "01"));
      withToken.whereAre(List.of(s("cnt", "01")));
    }
    client.whereIs(s("cnt", "01"));
    assertEquals(List.of("Bearer s3cret-token", "Bearer s3cret-token", "none"),
        CALLS.calls().stream().map(c -> c.authorization() == null ? "none" : c.authorization()).collect(Collectors.toList()));
  }

  @Test
  void badSettingsAreRejectedAtOnce() {
    assertThrows(IllegalArgumentException.class, () -> ProvenanceClient.builder().batchSize(0));
    assertThrows(IllegalArgumentException.class, () -> ProvenanceClient.builder().deadline(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> ProvenanceClient.builder().bearerToken("two words"));
    assertThrows(IllegalArgumentException.class, () -> ProvenanceClient.builder().target(" "));
    IllegalArgumentException ca = assertThrows(IllegalArgumentException.class,
        () -> ProvenanceClient.builder().tls(directory.resolve("missing.pem")).build());
    assertTrue(ca.getMessage().contains("missing.pem"), ca.getMessage());
  }

  @Test
  void unreachableServerIsUnavailable() {
    try (ProvenanceClient nowhere = ProvenanceClient.builder().target("127.0.0.1:1").noRetry().build()) {
      ProvenanceException e = assertThrows(ProvenanceException.class, () -> nowhere.whereIs(s("cnt", "01")));
      assertEquals(Status.Code.UNAVAILABLE, e.status().getCode());
      assertFalse(e instanceof SwhidNotFoundException);
    }
  }
}
