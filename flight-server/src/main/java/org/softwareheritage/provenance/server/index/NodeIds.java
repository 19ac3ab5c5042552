package org.softwareheritage.provenance.server.index;

import static org.softwareheritage.provenance.server.index.OpenAddressing.mix;

import org.apache.arrow.memory.util.MemoryUtil;
import org.softwareheritage.provenance.server.storage.Columns;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.LongColumn;
import org.softwareheritage.provenance.server.storage.Region;
import org.softwareheritage.provenance.server.storage.RegionStore;
import org.softwareheritage.provenance.server.storage.StoredTable;
import org.softwareheritage.provenance.swhid.ObjectType;

/**
 * Node id → row of the nodes table (sorted by id), and the id and object type of each row. Dense
 * ids (the upstream graph numbers its nodes 0..N-1) map to rows by arithmetic and are not stored at
 * all; others through an open-addressing table of row numbers (12.8 bytes per node).
 */
public final class NodeIds {
  private static final String SLOTS = "node_ids.slots";
  private static final String DENSE = "node_ids.dense";
  private static final int TYPES = ObjectType.values().length;

  private final long size;
  private final LongColumn ids;
  private final long typeAddress;
  private final long firstId;
  private final boolean dense;

  /** Slots of row + 1 (0: empty) when the ids are not dense. */
  private final long slotsAddress;

  private final long capacity;

  private NodeIds(StoredTable nodes, boolean dense, Region slots) {
    this.size = nodes.rowCount();
    this.ids = nodes.longs(Columns.ID);
    this.typeAddress = nodes.column(Columns.TYPE).address();
    this.firstId = size == 0 ? 0 : ids.get(0);
    this.dense = dense;
    this.slotsAddress = slots == null ? 0 : slots.address();
    this.capacity = slots == null ? 0 : slots.length() / Long.BYTES;
  }

  /**
   * Indexes the ids of {@code nodes} into {@code store}; dense ids are no longer stored then, but
   * computed.
   *
   * @throws DatabaseLoadException if two rows share an id
   */
  static NodeIds build(StoredTable nodes, RegionStore store) {
    long ids = nodes.u64Address(Columns.ID);
    long first = nodes.rowCount() == 0 ? 0 : StoredTable.u64(ids, 0);
    boolean dense = true;
    for (long row = 1; row < nodes.rowCount(); row++) {
      long id = StoredTable.u64(ids, row);
      if (id == StoredTable.u64(ids, row - 1)) {
        throw new DatabaseLoadException(
            "table nodes, column id: duplicate node id " + Long.toUnsignedString(id));
      }
      dense &= id == first + row;
    }
    store.set(DENSE, dense ? 1 : 0);
    if (dense) {
      nodes.computeConsecutive(Columns.ID, first);
      return new NodeIds(nodes, true, null);
    }
    Region slots = store.create(SLOTS, OpenAddressing.capacity(nodes.rowCount()) * Long.BYTES);
    NodeIds index = new NodeIds(nodes, false, slots);
    for (long row = 0; row < index.size; row++) {
      long slot = OpenAddressing.slot(mix(index.id(row)), index.capacity);
      while (MemoryUtil.getLong(index.slotsAddress + (slot << 3)) != 0) {
        slot = OpenAddressing.next(slot, index.capacity);
      }
      MemoryUtil.putLong(index.slotsAddress + (slot << 3), row + 1);
    }
    return index;
  }

  /** The index of {@code nodes} that {@code store} holds. */
  static NodeIds open(StoredTable nodes, RegionStore store) {
    boolean dense = store.number(DENSE) == 1;
    return new NodeIds(nodes, dense, dense ? null : store.region(SLOTS));
  }

  /** Whether ids map to rows by arithmetic (the ids are consecutive), with no table. */
  public boolean isDense() {
    return dense;
  }

  /** Number of nodes. */
  public long size() {
    return size;
  }

  /** The row of the node whose id is {@code id}, or -1 if there is none. */
  public long row(long id) {
    if (dense) {
      long offset = id - firstId;
      return Long.compareUnsigned(offset, size) < 0 ? offset : -1;
    }
    for (long slot = OpenAddressing.slot(mix(id), capacity);
        ;
        slot = OpenAddressing.next(slot, capacity)) {
      long row = MemoryUtil.getLong(slotsAddress + (slot << 3)) - 1;
      if (row < 0 || id(DamagedIndexException.checkRow(row, size, "node")) == id) {
        return row;
      }
    }
  }

  /** The node id of {@code row}. */
  public long id(long row) {
    return ids.get(row);
  }

  /** The object type of {@code row}. */
  public ObjectType type(long row) {
    return ObjectType.fromOrdinal(typeOrdinal(row));
  }

  /** Where the type of {@code row} is (one byte). */
  long typeAddress(long row) {
    return typeAddress + row;
  }

  /** The {@link ObjectType} ordinal of {@code row}. */
  int typeOrdinal(long row) {
    int ordinal = MemoryUtil.getByte(typeAddress + row);
    if (ordinal < 0 || ordinal >= TYPES) {
      throw new DamagedIndexException("damaged index: type " + ordinal + " of node row " + row);
    }
    return ordinal;
  }
}
