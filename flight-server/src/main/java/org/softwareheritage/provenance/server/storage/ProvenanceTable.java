package org.softwareheritage.provenance.server.storage;

import java.util.List;

/**
 * The tables of a provenance database (docs/architecture.md, "Database layout"): directory name,
 * the columns the lookup path loads, and the order rows are kept in memory (which makes every key a
 * contiguous row range whose first row is the earliest anchor or the smallest origin).
 */
public enum ProvenanceTable {
  NODES(
      "nodes",
      List.of(
          lookup(Columns.ID, ColumnKind.NODE_ID),
          lookup(Columns.TYPE, ColumnKind.NODE_TYPE),
          lookup(Columns.SHA1_GIT, ColumnKind.SHA1_GIT)),
      List.of(Columns.ID)),
  ORIGINS(
      "origins",
      List.of(lookup(Columns.ID, ColumnKind.NODE_ID), lookup(Columns.URL, ColumnKind.URL)),
      List.of(Columns.ID)),
  CONTENTS_IN_REVISIONS(
      "contents_in_revisions_without_frontiers",
      List.of(
          lookup(Columns.CNT, ColumnKind.NODE_ID),
          lookup(Columns.REVREL, ColumnKind.NODE_ID),
          lookup(Columns.REVREL_AUTHOR_DATE, ColumnKind.TIMESTAMP),
          bulk(Columns.PATH, ColumnKind.PATH)),
      List.of(Columns.CNT, Columns.REVREL_AUTHOR_DATE, Columns.REVREL)),
  CONTENTS_IN_DIRECTORIES(
      "contents_in_frontier_directories",
      List.of(
          lookup(Columns.CNT, ColumnKind.NODE_ID),
          lookup(Columns.DIR, ColumnKind.NODE_ID),
          bulk(Columns.PATH, ColumnKind.PATH)),
      List.of(Columns.CNT, Columns.DIR)),
  DIRECTORIES_IN_REVISIONS(
      "frontier_directories_in_revisions",
      List.of(
          lookup(Columns.DIR, ColumnKind.NODE_ID),
          bulk(Columns.DIR_MAX_AUTHOR_DATE, ColumnKind.TIMESTAMP),
          lookup(Columns.REVREL, ColumnKind.NODE_ID),
          lookup(Columns.REVREL_AUTHOR_DATE, ColumnKind.TIMESTAMP),
          bulk(Columns.PATH, ColumnKind.PATH)),
      List.of(Columns.DIR, Columns.REVREL_AUTHOR_DATE, Columns.REVREL)),
  REVISIONS_IN_ORIGINS(
      "revisions_in_origins",
      List.of(lookup(Columns.REVREL, ColumnKind.NODE_ID), lookup(Columns.ORI, ColumnKind.NODE_ID)),
      List.of(Columns.REVREL, Columns.ORI));

  /** A column of the table: its name in the files, its kind, and whether lookups need it. */
  public record Column(String name, ColumnKind kind, boolean lookup) {}

  private final String directory;
  private final List<Column> allColumns;
  private final List<Column> columns;
  private final List<String> sortKey;

  ProvenanceTable(String directory, List<Column> allColumns, List<String> sortKey) {
    this.directory = directory;
    this.allColumns = allColumns;
    this.columns = allColumns.stream().filter(Column::lookup).toList();
    this.sortKey = sortKey;
  }

  private static Column lookup(String name, ColumnKind kind) {
    return new Column(name, kind, true);
  }

  private static Column bulk(String name, ColumnKind kind) {
    return new Column(name, kind, false);
  }

  /** Name of the table's directory in the database. */
  public String directory() {
    return directory;
  }

  /** Columns loaded for lookups, in memory order. */
  public List<Column> columns() {
    return columns;
  }

  /** Every column of the layout, lookup columns and the ones only bulk streams need. */
  public List<Column> allColumns() {
    return allColumns;
  }

  /** Columns the rows are sorted by in memory; the first is the table's key. */
  public List<String> sortKey() {
    return sortKey;
  }
}
