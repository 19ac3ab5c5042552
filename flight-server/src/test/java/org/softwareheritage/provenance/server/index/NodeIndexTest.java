package org.softwareheritage.provenance.server.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.arrow.memory.util.MemoryUtil;
import org.junit.jupiter.api.Test;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.MemoryStore;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.server.storage.Region;
import org.softwareheritage.provenance.server.storage.StoredTable;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * The SWHID index on hashes chosen to corner it: many in one bucket with one fragment, the lowest
 * and highest hashes, one hash under two types; every SWHID found at its row, every near miss not
 * found, duplicates refused, and a damaged entry failing the lookup instead of the process.
 */
class NodeIndexTest {
  private static final int NODES = 20_000;

  @Test
  void findsEveryNodeAndNoNearMiss() {
    List<Swhid> swhids = cornerCases();
    try (MemoryStore store = nodes(swhids)) {
      StoredTable nodes = StoredTable.open(ProvenanceTable.NODES, store);
      NodeIds ids = NodeIds.build(nodes, store);
      NodeIndex index = NodeIndex.build(nodes, ids, store);
      assertTrue(store.number("swhids.bucket_bits") >= 3, "several buckets");
      for (int row = 0; row < swhids.size(); row++) {
        Swhid swhid = swhids.get(row);
        assertEquals(row, index.row(swhid), swhid.toString());
        assertEquals(swhid, index.swhid(row));
        assertEquals(
            swhid.toString(),
            new String(index.swhidBytes(row), java.nio.charset.StandardCharsets.US_ASCII));
        byte[] near = swhid.hash();
        near[Swhid.HASH_LENGTH - 1] ^= 1;
        long found = index.row(Swhid.of(swhid.type(), near));
        assertTrue(
            found < 0 || swhids.get((int) found).equals(Swhid.of(swhid.type(), near)),
            "near miss of " + swhid);
      }
      NodeIndex reopened = NodeIndex.open(nodes, NodeIds.open(nodes, store), store);
      assertEquals(swhids.size() - 1, reopened.row(swhids.get(swhids.size() - 1)));
    }
  }

  @Test
  void refusesTwoNodesWithOneSwhid() {
    List<Swhid> swhids = new ArrayList<>(cornerCases().subList(0, 100));
    swhids.add(swhids.get(42));
    try (MemoryStore store = nodes(swhids)) {
      StoredTable nodes = StoredTable.open(ProvenanceTable.NODES, store);
      NodeIds ids = NodeIds.build(nodes, store);
      DatabaseLoadException e =
          assertThrows(DatabaseLoadException.class, () -> NodeIndex.build(nodes, ids, store));
      assertEquals(
          "table nodes, column sha1_git: duplicate SWHID " + swhids.get(42), e.getMessage());
    }
  }

  @Test
  void aDamagedEntryFailsTheLookupNotTheProcess() {
    List<Swhid> swhids = cornerCases().subList(0, 3000);
    try (MemoryStore store = nodes(swhids)) {
      StoredTable nodes = StoredTable.open(ProvenanceTable.NODES, store);
      NodeIds ids = NodeIds.build(nodes, store);
      NodeIndex index = NodeIndex.build(nodes, ids, store);
      Region entries = store.region("swhids.entries");
      for (long i = 0; i < entries.length(); i += Long.BYTES) {
        MemoryUtil.putLong(entries.at(i), MemoryUtil.getLong(entries.at(i)) | 0xFF_FFFF_FFFFL);
      }
      DamagedIndexException e =
          assertThrows(DamagedIndexException.class, () -> index.row(swhids.get(7)));
      assertTrue(
          e.getMessage().startsWith("damaged index: node row 1099511627775 of 3000"),
          e.getMessage());
    }
  }

  /**
   * Random hashes, a run sharing their first 8 bytes, the extremes, and one hash under two types.
   */
  private static List<Swhid> cornerCases() {
    Random random = new Random(3);
    List<Swhid> swhids = new ArrayList<>();
    byte[] shared = new byte[Swhid.HASH_LENGTH];
    random.nextBytes(shared);
    for (int i = 0; i < 50; i++) {
      byte[] hash = shared.clone();
      hash[19] = (byte) i;
      hash[12] = (byte) (i * 7);
      swhids.add(Swhid.of(ObjectType.CONTENT, hash));
    }
    byte[] low = new byte[Swhid.HASH_LENGTH];
    byte[] high = new byte[Swhid.HASH_LENGTH];
    Arrays.fill(high, (byte) 0xff);
    swhids.add(Swhid.of(ObjectType.CONTENT, low));
    swhids.add(Swhid.of(ObjectType.REVISION, high));
    swhids.add(Swhid.of(ObjectType.DIRECTORY, shared));
    while (swhids.size() < NODES) {
      byte[] hash = new byte[Swhid.HASH_LENGTH];
      random.nextBytes(hash);
      swhids.add(
          Swhid.of(ObjectType.fromOrdinal(random.nextInt(ObjectType.values().length)), hash));
    }
    java.util.Collections.shuffle(swhids, random);
    return swhids;
  }

  /** A store holding a nodes table of {@code swhids}, with ids 1000, 1001, … in that order. */
  private static MemoryStore nodes(List<Swhid> swhids) {
    MemoryStore store = new MemoryStore(1L << 30);
    int rows = swhids.size();
    Region ids = store.create("nodes.id", (long) rows * Long.BYTES);
    Region types = store.create("nodes.type", rows);
    Region hashes = store.create("nodes.sha1_git", (long) rows * Swhid.HASH_LENGTH);
    for (int row = 0; row < rows; row++) {
      MemoryUtil.putLong(ids.at((long) row * Long.BYTES), 1000 + row);
      MemoryUtil.putByte(types.at(row), (byte) swhids.get(row).type().ordinal());
      MemoryUtil.copyToMemory(
          swhids.get(row).hash(), 0, hashes.at((long) row * Swhid.HASH_LENGTH), Swhid.HASH_LENGTH);
    }
    store.set("tables.nodes.rows", rows);
    return store;
  }
}
