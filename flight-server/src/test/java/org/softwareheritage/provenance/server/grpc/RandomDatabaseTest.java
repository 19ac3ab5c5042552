package org.softwareheritage.provenance.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.server.testing.RandomDatabase;
import org.softwareheritage.provenance.server.testing.RunningServer;
import org.softwareheritage.provenance.server.testing.StorageMode;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * Every node of randomized databases, through the server, against a brute-force reference: with
 * sparse node ids (hashed) and with dense ones (mapped by arithmetic), each held in memory and
 * mapped from an index directory.
 */
class RandomDatabaseTest {
  @Nested
  class SparseIdsInMemory extends Cases {
    SparseIdsInMemory() {
      super(42, RandomDatabase.NodeIds.SPARSE, StorageMode.MEMORY);
    }
  }

  @Nested
  class SparseIdsMapped extends Cases {
    SparseIdsMapped() {
      super(44, RandomDatabase.NodeIds.SPARSE, StorageMode.MAPPED);
    }
  }

  @Nested
  class DenseIdsInMemory extends Cases {
    DenseIdsInMemory() {
      super(43, RandomDatabase.NodeIds.DENSE, StorageMode.MEMORY);
    }
  }

  @Nested
  class DenseIdsMapped extends Cases {
    DenseIdsMapped() {
      super(45, RandomDatabase.NodeIds.DENSE, StorageMode.MAPPED);
    }
  }

  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  abstract static class Cases {
    private final RandomDatabase database;
    private final RandomDatabase.NodeIds ids;
    private final StorageMode mode;
    private RunningServer server;

    Cases(long seed, RandomDatabase.NodeIds ids, StorageMode mode) {
      this.database = RandomDatabase.generate(seed, 4000, ids);
      this.ids = ids;
      this.mode = mode;
    }

    @BeforeAll
    void start(@TempDir Path directory) throws Exception {
      database.write(directory);
      server = RunningServer.start(directory, mode);
    }

    @AfterAll
    void stop() throws Exception {
      server.close();
    }

    @Test
    void databaseHasTheShapesUnderTest() {
      assertTrue(database.relationRows() > 5000, "rows: " + database.relationRows());
      assertTrue(database.nodes().stream().anyMatch(n -> n.id() < 0), "ids above 2^63");
      assertEquals(4000, server.data().index().ids().size());
      assertEquals(mode == StorageMode.MAPPED, server.data().store().isMapped());
    }

    @Test
    void nodeIdsAreMappedByArithmeticOnlyWhenDense() {
      assertEquals(ids == RandomDatabase.NodeIds.DENSE, server.data().index().ids().isDense());
    }

    @Test
    void whereIsOneMatchesTheReferenceForEveryNode() {
      int anchored = 0;
      for (RandomDatabase.Node node : database.nodes()) {
        Swhid swhid = node.swhid();
        WhereIsOneResult result =
            server
                .blockingStub()
                .whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhid.toString()).build());
        assertMatches(swhid, database.expected(swhid), result);
        anchored += result.hasAnchor() ? 1 : 0;
      }
      assertTrue(anchored > 1000, "anchored nodes: " + anchored);
    }

    @Test
    void whereAreOneMatchesTheReferenceInRequestOrder() {
      Random random = new Random(7);
      List<Swhid> swhids = new ArrayList<>();
      database.nodes().forEach(node -> swhids.add(node.swhid()));
      for (int i = 0; i < 200; i++) {
        byte[] hash = new byte[20];
        random.nextBytes(hash);
        swhids.add(Swhid.of(ObjectType.fromOrdinal(random.nextInt(6)), hash));
      }
      Collections.shuffle(swhids, random);
      WhereAreOneRequest.Builder request = WhereAreOneRequest.newBuilder();
      swhids.forEach(swhid -> request.addSwhid(swhid.toString()));
      List<WhereIsOneResult> results = new ArrayList<>();
      server.blockingStub().whereAreOne(request.build()).forEachRemaining(results::add);
      assertEquals(swhids.size(), results.size());
      for (int i = 0; i < swhids.size(); i++) {
        assertMatches(swhids.get(i), database.expected(swhids.get(i)), results.get(i));
      }
    }

    @Test
    void unknownNodesAreNotFound() {
      Random random = new Random(11);
      for (int i = 0; i < 50; i++) {
        byte[] hash = new byte[20];
        random.nextBytes(hash);
        Swhid swhid = Swhid.of(ObjectType.CONTENT, hash);
        try {
          server
              .blockingStub()
              .whereIsOne(WhereIsOneRequest.newBuilder().setSwhid(swhid.toString()).build());
          throw new AssertionError("expected NOT_FOUND for " + swhid);
        } catch (StatusRuntimeException e) {
          assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        }
      }
    }

    @Test
    void sameHashWithAnotherTypeIsAnotherObject() {
      RandomDatabase.Node node = database.nodes().get(0);
      ObjectType other =
          node.type() == ObjectType.CONTENT ? ObjectType.DIRECTORY : ObjectType.CONTENT;
      Swhid swhid = Swhid.of(other, node.hash());
      List<WhereIsOneResult> results = new ArrayList<>();
      server
          .blockingStub()
          .whereAreOne(WhereAreOneRequest.newBuilder().addSwhid(swhid.toString()).build())
          .forEachRemaining(results::add);
      assertMatches(swhid, null, results.get(0));
    }

    private void assertMatches(
        Swhid swhid, RandomDatabase.Answer expected, WhereIsOneResult result) {
      assertEquals(swhid.toString(), result.getSwhid());
      Swhid anchor = expected == null ? null : expected.anchor();
      String origin = expected == null ? null : expected.origin();
      assertEquals(
          anchor == null ? "" : anchor.toString(), result.getAnchor(), "anchor of " + swhid);
      assertEquals(anchor != null, result.hasAnchor(), "anchor of " + swhid);
      assertEquals(origin == null ? "" : origin, result.getOrigin(), "origin of " + swhid);
      assertEquals(origin != null, result.hasOrigin(), "origin of " + swhid);
    }
  }
}
