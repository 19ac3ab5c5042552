package org.softwareheritage.provenance.server.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.arrow.memory.util.MemoryUtil;
import org.junit.jupiter.api.Test;
import org.softwareheritage.provenance.server.storage.MemoryStore;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.server.storage.Region;
import org.softwareheritage.provenance.server.storage.StoredTable;

/**
 * Key → row range over a key column in unsigned order (ids above 2^63 included), stored or
 * computed.
 */
class KeyRangeIndexTest {
  private static final long[] KEYS = {
    0, 0, 3, 7, 7, 7, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, -1
  };

  @Test
  void keysAndKeyRangesInUnsignedOrder() {
    try (MemoryStore store = new MemoryStore(1 << 20)) {
      Region revrels = store.create("revisions_in_origins.revrel", KEYS.length * 8L);
      store.create("revisions_in_origins.ori", KEYS.length * 8L);
      for (int i = 0; i < KEYS.length; i++) {
        MemoryUtil.putLong(revrels.at(i * 8L), KEYS[i]);
      }
      store.set("tables.revisions_in_origins.rows", KEYS.length);
      KeyRangeIndex index =
          new KeyRangeIndex(StoredTable.open(ProvenanceTable.REVISIONS_IN_ORIGINS, store));
      assertEquals(new RowRange(0, 2), index.rows(0));
      assertEquals(new RowRange(3, 6), index.rows(7));
      assertEquals(RowRange.EMPTY, index.rows(5));
      assertEquals(new RowRange(7, 9), index.rows(Long.MIN_VALUE));
      assertEquals(new RowRange(9, 10), index.rows(-1));
      assertEquals(new RowRange(2, 9), index.rows(1, Long.MIN_VALUE));
      assertEquals(new RowRange(6, 10), index.rows(Long.MAX_VALUE, -1));
      assertEquals(RowRange.EMPTY, index.rows(8, 7));
      assertEquals(new RowRange(6, 6), index.rows(8, 100));
    }
  }

  @Test
  void consecutiveIdsAreComputedNotStored() {
    try (MemoryStore store = new MemoryStore(1 << 20)) {
      Region ids = store.create("nodes.id", 5 * 8L);
      store.create("nodes.type", 5);
      store.create("nodes.sha1_git", 5 * 20L);
      for (int i = 0; i < 5; i++) {
        MemoryUtil.putLong(ids.at(i * 8L), Long.MAX_VALUE - 1 + i);
      }
      store.set("tables.nodes.rows", 5);
      StoredTable nodes = StoredTable.open(ProvenanceTable.NODES, store);
      NodeIds nodeIds = NodeIds.build(nodes, store);
      assertEquals(true, nodeIds.isDense());
      assertEquals(false, store.has("nodes.id"), "the ids are not stored");
      KeyRangeIndex index = new KeyRangeIndex(nodes);
      assertEquals(new RowRange(2, 3), index.rows(Long.MIN_VALUE));
      assertEquals(RowRange.EMPTY, index.rows(Long.MAX_VALUE - 2));
      assertEquals(new RowRange(1, 4), index.rows(Long.MAX_VALUE, Long.MIN_VALUE + 1));
      assertEquals(Long.MIN_VALUE + 2, nodeIds.id(4));
      assertEquals(3, nodeIds.row(Long.MIN_VALUE + 1));
      assertEquals(-1, nodeIds.row(Long.MIN_VALUE + 3));
    }
  }
}
