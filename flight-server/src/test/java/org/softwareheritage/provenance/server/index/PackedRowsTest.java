package org.softwareheritage.provenance.server.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.softwareheritage.provenance.server.storage.MemoryStore;
import org.softwareheritage.provenance.server.storage.Region;

/**
 * Rows in 5 bytes: -1 and the largest row round-trip, and writing one leaves its neighbours alone.
 */
class PackedRowsTest {
  @Test
  void rowsRoundTripWithoutTouchingTheirNeighbours() {
    try (MemoryStore store = new MemoryStore(1 << 20)) {
      Region rows = store.create("rows", PackedRows.bytes(5));
      PackedRows.fillNone(rows.address(), 5);
      long largest = (1L << 40) - 2;
      PackedRows.put(rows.address(), 1, largest);
      PackedRows.put(rows.address(), 3, 0x12_3456_789AL);
      PackedRows.put(rows.address(), 4, 0);
      assertEquals(-1, PackedRows.get(rows.address(), 0));
      assertEquals(largest, PackedRows.get(rows.address(), 1));
      assertEquals(-1, PackedRows.get(rows.address(), 2));
      assertEquals(0x12_3456_789AL, PackedRows.get(rows.address(), 3));
      assertEquals(0, PackedRows.get(rows.address(), 4));
      PackedRows.put(rows.address(), 2, 7);
      assertEquals(largest, PackedRows.get(rows.address(), 1));
      assertEquals(0x12_3456_789AL, PackedRows.get(rows.address(), 3));
    }
  }
}
