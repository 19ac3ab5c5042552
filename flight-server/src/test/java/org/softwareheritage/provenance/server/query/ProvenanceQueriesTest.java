package org.softwareheritage.provenance.server.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.index.ProvenanceIndex;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.testing.RandomDatabase;
import org.softwareheritage.provenance.server.testing.StorageMode;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * The queries below any server, against the brute-force reference of a randomized database: the
 * earliest anchor of every node in batches of every size, masks, and every anchor of every node in
 * the cursor's order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProvenanceQueriesTest {
  private RandomDatabase database;
  private BufferAllocator allocator;
  private IndexedDatabase data;
  private IndexedDatabase mapped;
  private ProvenanceQueries queries;

  @BeforeAll
  void load(@TempDir Path directory) throws Exception {
    database = RandomDatabase.generate(17, 2500, RandomDatabase.NodeIds.SPARSE);
    Path tables = directory.resolve("database");
    database.write(tables);
    allocator = ArrowMemory.newRootAllocator();
    data = StorageMode.MEMORY.open(tables, null, allocator);
    mapped = StorageMode.MAPPED.open(tables, directory.resolve("index"), allocator);
    queries = new ProvenanceQueries(data.index());
  }

  @AfterAll
  void close() {
    mapped.close();
    data.close();
    allocator.close();
  }

  @Test
  void lookUpAnswersEveryNodeAndUnknownSwhidsInBatchesOfAnySize() {
    assertLookUps(queries);
  }

  /** Small batches on a mapped index whose first step was slow ask for their next pages ahead. */
  @Test
  void lookUpReadingAheadOnAMappedIndexAnswersTheSame() {
    assertLookUps(new ProvenanceQueries(mapped.index(), 0));
  }

  private void assertLookUps(ProvenanceQueries queries) {
    List<Swhid> swhids =
        new ArrayList<>(database.nodes().stream().map(RandomDatabase.Node::swhid).toList());
    Random random = new Random(5);
    for (int i = 0; i < 300; i++) {
      byte[] hash = new byte[Swhid.HASH_LENGTH];
      random.nextBytes(hash);
      swhids.add(
          random.nextInt(2) == 0
              ? Swhid.of(ObjectType.CONTENT, hash)
              : Swhid.of(ObjectType.DIRECTORY, database.nodes().get(i).hash()));
    }
    for (int batchSize : new int[] {1, 4, 7, 1024}) {
      LookupBatch batch = new LookupBatch(batchSize);
      for (int from = 0; from < swhids.size(); from += batchSize) {
        int count = Math.min(batchSize, swhids.size() - from);
        byte[] types = new byte[count];
        byte[] hashes = new byte[count * Swhid.HASH_LENGTH];
        for (int i = 0; i < count; i++) {
          types[i] = (byte) swhids.get(from + i).type().ordinal();
          System.arraycopy(
              swhids.get(from + i).hash(), 0, hashes, i * Swhid.HASH_LENGTH, Swhid.HASH_LENGTH);
        }
        queries.lookUp(types, hashes, 0, count, ResultFields.ALL, batch);
        for (int i = 0; i < count; i++) {
          assertAnswer(swhids.get(from + i), database.expected(swhids.get(from + i)), batch, i);
        }
      }
    }
  }

  @Test
  void aMaskSkipsTheLookupsItDoesNotNeed() {
    Swhid anchored =
        database.nodes().stream()
            .map(RandomDatabase.Node::swhid)
            .filter(
                swhid ->
                    database.expected(swhid).origin() != null
                        && database.expected(swhid).anchor() != swhid)
            .findFirst()
            .orElseThrow();
    LookupBatch batch = new LookupBatch(1);
    byte[] type = {(byte) anchored.type().ordinal()};
    queries.lookUp(type, anchored.hash(), 0, 1, new ResultFields(true, false, false), batch);
    assertTrue(batch.rows[0] >= 0);
    assertEquals(-1, batch.anchorRows[0]);
    queries.lookUp(type, anchored.hash(), 0, 1, new ResultFields(false, false, true), batch);
    assertTrue(batch.anchorRows[0] >= 0, "the origin is the anchor's");
    assertEquals(ProvenanceIndex.NO_DATE, batch.dates[0], "the date is not asked for");
    assertTrue(batch.originRows[0] >= 0);
  }

  @Test
  void everyAnchorOfEveryNodeInTheCursorsOrder() {
    int withMany = 0;
    for (RandomDatabase.Node node : database.nodes()) {
      long row = data.index().nodes().row(node.swhid());
      List<RandomDatabase.Answer> actual = new ArrayList<>();
      ProvenanceQueries.Anchors anchors = queries.allAnchors(row, () -> false);
      while (anchors.next()) {
        long originRow = anchors.originRow();
        actual.add(
            new RandomDatabase.Answer(
                data.index().nodes().swhid(anchors.anchorRow()),
                anchors.date() == ProvenanceIndex.NO_DATE ? null : anchors.date(),
                originRow < 0 ? null : data.index().origins().url(originRow)));
      }
      assertEquals(database.allAnchors(node.swhid()), actual, node.swhid().toString());
      withMany += actual.size() > 3 ? 1 : 0;
    }
    assertTrue(withMany > 50, "nodes with more than 3 anchors: " + withMany);
  }

  @Test
  void aCancelledCursorGoesToNoFurtherDirectory() {
    RandomDatabase.Node busiest =
        database.nodes().stream()
            .filter(n -> n.type() == ObjectType.CONTENT)
            .max(
                (a, b) ->
                    Long.compare(
                        database.contentsInDirectories().stream()
                            .filter(r -> r[0] == a.id())
                            .count(),
                        database.contentsInDirectories().stream()
                            .filter(r -> r[0] == b.id())
                            .count()))
            .orElseThrow();
    long row = data.index().nodes().row(busiest.swhid());
    int all = 0;
    for (ProvenanceQueries.Anchors anchors = queries.allAnchors(row, () -> false);
        anchors.next(); ) {
      all++;
    }
    int afterCancel = 0;
    for (ProvenanceQueries.Anchors anchors = queries.allAnchors(row, () -> true);
        anchors.next(); ) {
      afterCancel++;
    }
    long direct =
        database.contentsInRevisions().stream()
            .filter(r -> r[0] == busiest.id())
            .map(r -> r[1])
            .distinct()
            .count();
    assertTrue(all > afterCancel, all + " anchors, " + afterCancel + " after a cancel");
    assertEquals(
        direct, afterCancel, "only the content's own revisions, read before any directory");
  }

  private void assertAnswer(Swhid swhid, RandomDatabase.Answer expected, LookupBatch batch, int i) {
    if (expected == null) {
      assertEquals(-1, batch.rows[i], swhid + " is unknown");
      return;
    }
    assertTrue(batch.rows[i] >= 0, swhid + " is known");
    assertEquals(
        expected.anchor(),
        batch.anchorRows[i] < 0 ? null : data.index().nodes().swhid(batch.anchorRows[i]),
        "anchor of " + swhid);
    assertEquals(
        expected.date(),
        batch.dates[i] == ProvenanceIndex.NO_DATE ? null : batch.dates[i],
        "date of " + swhid);
    assertEquals(
        expected.origin(),
        batch.originRows[i] < 0 ? null : data.index().origins().url(batch.originRows[i]),
        "origin of " + swhid);
    assertFalse(
        expected.anchor() == null && batch.originRows[i] >= 0, "no origin without an anchor");
  }
}
