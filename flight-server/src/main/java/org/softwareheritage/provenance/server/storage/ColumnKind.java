package org.softwareheritage.provenance.server.storage;

import java.util.List;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * The kinds of column a provenance table holds: which Arrow types are accepted in the Parquet
 * files, the single type each is normalised to when stored, and its stored width.
 */
public enum ColumnKind {
  /** Node ids: uint64 in memory; 64-bit integers of either signedness accepted. */
  NODE_ID("uint64", 8),
  /** Object type tag: dictionary-encoded in memory; string or dictionary of strings accepted. */
  NODE_TYPE("string or dictionary<string>", 1),
  /** sha1_git: fixed_size_binary(20). */
  SHA1_GIT("fixed_size_binary(20)", 20),
  /** Dates: timestamp[s, UTC] in memory; any timestamp unit accepted. */
  TIMESTAMP("timestamp", 8),
  /** Origin URLs: utf8. */
  URL("string", 0),
  /** Paths: binary. */
  PATH("binary", 0);

  /** Dictionary id of the {@code type} column of the nodes table. */
  public static final long NODE_TYPE_DICTIONARY_ID = 0;

  private final String expected;
  private final int width;

  ColumnKind(String expected, int width) {
    this.expected = expected;
    this.width = width;
  }

  /** Bytes per stored value; 0 for variable-width values (stored as bytes and 8-byte offsets). */
  public int width() {
    return width;
  }

  /** What the files must hold, for error messages. */
  public String expected() {
    return expected;
  }

  /** Whether a column of {@code field}'s type can be loaded as this kind. */
  public boolean accepts(Field field) {
    ArrowType type = field.getType();
    return switch (this) {
      case NODE_ID -> type instanceof ArrowType.Int i && i.getBitWidth() == 64;
      case NODE_TYPE -> field.getDictionary() != null || type instanceof ArrowType.Utf8;
      case SHA1_GIT -> type instanceof ArrowType.FixedSizeBinary f && f.getByteWidth() == 20;
      case TIMESTAMP -> type instanceof ArrowType.Timestamp;
      case URL -> type instanceof ArrowType.Utf8;
      case PATH -> type instanceof ArrowType.Binary;
    };
  }

  /** The in-memory field of a column of this kind named {@code name}. */
  public Field memoryField(String name) {
    return switch (this) {
      case NODE_ID -> Field.notNullable(name, new ArrowType.Int(64, false));
      case NODE_TYPE ->
          new Field(
              name,
              new FieldType(
                  false,
                  new ArrowType.Int(8, true),
                  new DictionaryEncoding(
                      NODE_TYPE_DICTIONARY_ID, false, new ArrowType.Int(8, true))),
              List.of());
      case SHA1_GIT -> Field.notNullable(name, new ArrowType.FixedSizeBinary(20));
      case TIMESTAMP -> Field.notNullable(name, new ArrowType.Timestamp(TimeUnit.SECOND, "UTC"));
      case URL -> Field.notNullable(name, ArrowType.Utf8.INSTANCE);
      case PATH -> Field.notNullable(name, ArrowType.Binary.INSTANCE);
    };
  }
}
