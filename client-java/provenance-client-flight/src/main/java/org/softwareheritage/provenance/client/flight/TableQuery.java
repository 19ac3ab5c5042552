package org.softwareheritage.provenance.client.flight;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Which rows and columns of a table to read: a whole table, a projection, the rows of some keys
 * (the first column of a {@code *_in_*} table or {@code origins}, the {@code id} of {@code nodes})
 * or of a key range. Immutable; each method returns a narrowed copy. Node ids are unsigned 64-bit
 * integers, passed as Java {@code long}s with the same bits.
 */
public final class TableQuery {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String table;
  private final List<String> columns;
  private final long[] keys;
  private final long[] keyRange;

  private TableQuery(String table, List<String> columns, long[] keys, long[] keyRange) {
    this.table = table;
    this.columns = columns;
    this.keys = keys;
    this.keyRange = keyRange;
  }

  /** Every row and loaded column of {@code table} (e.g. {@code "nodes"}). */
  public static TableQuery table(String table) {
    if (table == null || table.isBlank()) {
      throw new IllegalArgumentException("a table name is required");
    }
    return new TableQuery(table, null, null, null);
  }

  /** Only these columns, in this order. */
  public TableQuery columns(String... columns) {
    return new TableQuery(table, List.of(columns), keys, keyRange);
  }

  /** Only the rows of one key. */
  public TableQuery key(long key) {
    return keys(key);
  }

  /** Only the rows of these keys, in the order given. */
  public TableQuery keys(long... keys) {
    return new TableQuery(table, columns, keys.clone(), null);
  }

  /**
   * Only the rows whose key is from {@code first} to {@code last} (unsigned, inclusive); not for
   * nodes.
   */
  public TableQuery keyRange(long first, long last) {
    return new TableQuery(table, columns, null, new long[] {first, last});
  }

  /** The table name. */
  public String tableName() {
    return table;
  }

  /** The ticket the server understands, e.g. {@code {"table":"nodes","columns":["id"]}}. */
  public byte[] toJson() {
    ObjectNode json = JSON.createObjectNode().put("table", table);
    if (columns != null) {
      columns.forEach(json.putArray("columns")::add);
    }
    if (keys != null) {
      ArrayNode array = json.putArray("keys");
      Arrays.stream(keys).forEach(key -> array.add(unsigned(key)));
    }
    if (keyRange != null) {
      json.putArray("key_range").add(unsigned(keyRange[0])).add(unsigned(keyRange[1]));
    }
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static BigInteger unsigned(long value) {
    return new BigInteger(Long.toUnsignedString(value));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TableQuery that && Arrays.equals(toJson(), that.toJson());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(toJson());
  }

  @Override
  public String toString() {
    return new String(toJson(), StandardCharsets.UTF_8);
  }
}
