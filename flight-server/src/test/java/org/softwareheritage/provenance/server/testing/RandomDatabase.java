package org.softwareheritage.provenance.server.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.apache.arrow.memory.BufferAllocator;
import org.softwareheritage.provenance.server.example.TableWriter;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * A seeded random provenance database with the shapes that break naive implementations: ids above
 * 2^63, ties in dates, frontier directories without revisions, contents and directories in
 * thousands of rows. Written as several shuffled files per table, some in partition directories,
 * with plain and dictionary-encoded node types; {@link #expected} computes the answers by brute
 * force from the same rows.
 */
public final class RandomDatabase {
  /** A node of the graph. */
  public record Node(long id, ObjectType type, byte[] hash) {
    public Swhid swhid() {
      return Swhid.of(type, hash);
    }
  }

  /**
   * The expected answer for a known node: anchor (or null), its date (or null) and origin URL (or
   * null).
   */
  public record Answer(Swhid anchor, Long date, String origin) {}

  private final List<Node> nodes = new ArrayList<>();
  private final Map<Long, Node> byId = new HashMap<>();
  private final Map<Long, String> urls = new HashMap<>();
  private final List<long[]> contentsInRevisions = new ArrayList<>();
  private final List<long[]> contentsInDirectories = new ArrayList<>();
  private final List<long[]> directoriesInRevisions = new ArrayList<>();
  private final List<long[]> revisionsInOrigins = new ArrayList<>();
  private final long seed;

  private RandomDatabase(long seed) {
    this.seed = seed;
  }

  /** How node ids are chosen. */
  public enum NodeIds {
    /** Random, a quarter of them anywhere in the 64 bits. */
    SPARSE,
    /** Consecutive, as the upstream graph numbers its nodes, across 2^63. */
    DENSE
  }

  /** About {@code nodeCount} nodes and a few thousand rows per table. */
  public static RandomDatabase generate(long seed, int nodeCount, NodeIds nodeIds) {
    RandomDatabase db = new RandomDatabase(seed);
    Random random = new Random(seed);
    Set<Long> ids = new HashSet<>();
    Map<ObjectType, List<Node>> byType = new HashMap<>();
    for (int i = 0; i < nodeCount; i++) {
      long id = Long.MAX_VALUE - nodeCount / 2 + i;
      if (nodeIds == NodeIds.SPARSE) {
        do {
          id = random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(nodeCount * 10);
        } while (!ids.add(id));
      }
      ObjectType type = pickType(random);
      byte[] hash = new byte[Swhid.HASH_LENGTH];
      random.nextBytes(hash);
      Node node = new Node(id, type, hash);
      db.nodes.add(node);
      db.byId.put(id, node);
      byType.computeIfAbsent(type, t -> new ArrayList<>()).add(node);
    }
    List<Node> contents = byType.getOrDefault(ObjectType.CONTENT, List.of());
    List<Node> directories = byType.getOrDefault(ObjectType.DIRECTORY, List.of());
    List<Node> origins = byType.getOrDefault(ObjectType.ORIGIN, List.of());
    List<Node> revrels = new ArrayList<>(byType.getOrDefault(ObjectType.REVISION, List.of()));
    revrels.addAll(byType.getOrDefault(ObjectType.RELEASE, List.of()));
    for (Node origin : origins) {
      db.urls.put(
          origin.id(), "https://example.org/" + Long.toUnsignedString(origin.id()) + "/repo");
    }
    Map<Long, Long> dates = new HashMap<>();
    List<Node> dated = new ArrayList<>();
    for (Node revrel : revrels) {
      if (random.nextInt(10) != 0) {
        dates.put(revrel.id(), 1_000_000_000L + 86_400L * random.nextInt(40));
        dated.add(revrel);
      }
    }
    List<Node> frontier = new ArrayList<>();
    for (Node directory : directories) {
      if (random.nextInt(5) < 3) {
        frontier.add(directory);
      }
    }
    for (int i = 0; i < frontier.size(); i++) {
      int count = i < 2 ? Math.min(300, dated.size()) : random.nextInt(5);
      for (Node revrel : sample(random, dated, count)) {
        db.directoriesInRevisions.add(
            new long[] {frontier.get(i).id(), revrel.id(), dates.get(revrel.id())});
      }
    }
    for (int i = 0; i < contents.size(); i++) {
      Node content = contents.get(i);
      int inRevisions = i < 2 ? Math.min(1500, dated.size()) : random.nextInt(3);
      for (Node revrel : sample(random, dated, inRevisions)) {
        db.contentsInRevisions.add(new long[] {content.id(), revrel.id(), dates.get(revrel.id())});
      }
      int inDirectories = i >= 2 && i < 5 ? frontier.size() : random.nextInt(4);
      for (Node directory : sample(random, frontier, inDirectories)) {
        db.contentsInDirectories.add(new long[] {content.id(), directory.id()});
      }
    }
    for (Node revrel : revrels) {
      for (Node origin : sample(random, origins, random.nextInt(4))) {
        db.revisionsInOrigins.add(new long[] {revrel.id(), origin.id()});
      }
    }
    return db;
  }

  private static ObjectType pickType(Random random) {
    int roll = random.nextInt(100);
    if (roll < 45) {
      return ObjectType.CONTENT;
    } else if (roll < 70) {
      return ObjectType.DIRECTORY;
    } else if (roll < 82) {
      return ObjectType.REVISION;
    } else if (roll < 88) {
      return ObjectType.RELEASE;
    } else if (roll < 94) {
      return ObjectType.SNAPSHOT;
    }
    return ObjectType.ORIGIN;
  }

  private static <T> List<T> sample(Random random, List<T> from, int count) {
    List<T> copy = new ArrayList<>(from);
    Collections.shuffle(copy, random);
    return copy.subList(0, Math.min(count, copy.size()));
  }

  public List<Node> nodes() {
    return Collections.unmodifiableList(nodes);
  }

  /** Rows (cnt, revrel, date) of contents_in_revisions_without_frontiers. */
  public List<long[]> contentsInRevisions() {
    return Collections.unmodifiableList(contentsInRevisions);
  }

  /** Rows (cnt, dir) of contents_in_frontier_directories. */
  public List<long[]> contentsInDirectories() {
    return Collections.unmodifiableList(contentsInDirectories);
  }

  /** Total rows of the four {@code *_in_*} tables. */
  public int relationRows() {
    return contentsInRevisions.size()
        + contentsInDirectories.size()
        + directoriesInRevisions.size()
        + revisionsInOrigins.size();
  }

  /**
   * Writes every table as three shuffled files: one at the table's root, two in {@code
   * partition=N/} directories; node types dictionary-encoded in one of them.
   */
  public void write(Path directory) throws IOException {
    try (BufferAllocator allocator = ArrowMemory.newRootAllocator()) {
      write(new TableWriter(allocator, directory));
    }
  }

  private void write(TableWriter writer) throws IOException {
    Random random = new Random(seed + 1);
    List<Object[]> nodeRows = new ArrayList<>();
    nodes.forEach(n -> nodeRows.add(new Object[] {n.id(), n.type(), n.hash()}));
    Collections.shuffle(nodeRows, random);
    int half = nodeRows.size() / 2;
    writer.write(ProvenanceTable.NODES, "part-0.parquet", nodeRows.subList(0, half), false);
    writer.write(
        ProvenanceTable.NODES,
        "partition=1/part-1.parquet",
        nodeRows.subList(half, nodeRows.size()),
        true);
    writeSplit(
        writer,
        random,
        ProvenanceTable.ORIGINS,
        new ArrayList<>(urls.entrySet()),
        e -> new Object[] {e.getKey(), e.getValue()});
    writeSplit(
        writer,
        random,
        ProvenanceTable.CONTENTS_IN_REVISIONS,
        contentsInRevisions,
        r -> new Object[] {r[0], r[1], r[2], path(r)});
    writeSplit(
        writer,
        random,
        ProvenanceTable.CONTENTS_IN_DIRECTORIES,
        contentsInDirectories,
        r -> new Object[] {r[0], r[1], path(r)});
    writeSplit(
        writer,
        random,
        ProvenanceTable.DIRECTORIES_IN_REVISIONS,
        directoriesInRevisions,
        r -> new Object[] {r[0], r[2], r[1], r[2], path(r)});
    writeSplit(
        writer,
        random,
        ProvenanceTable.REVISIONS_IN_ORIGINS,
        revisionsInOrigins,
        r -> new Object[] {r[0], r[1]});
  }

  private static byte[] path(long[] row) {
    return ("dir/" + Long.toUnsignedString(row[0]) + "/" + Long.toUnsignedString(row[1]))
        .getBytes(StandardCharsets.UTF_8);
  }

  private static <T> void writeSplit(
      TableWriter writer,
      Random random,
      ProvenanceTable table,
      List<T> items,
      Function<T, Object[]> toRow)
      throws IOException {
    List<Object[]> rows = new ArrayList<>();
    for (T item : items) {
      rows.add(toRow.apply(item));
    }
    Collections.shuffle(rows, random);
    int third = rows.size() / 3;
    writer.write(table, "part-0.parquet", rows.subList(0, third), false);
    writer.write(table, "partition=1/part-1.parquet", rows.subList(third, 2 * third), false);
    writer.write(table, "partition=2/part-2.parquet", rows.subList(2 * third, rows.size()), false);
  }

  /** The answer for {@code swhid} by brute force over the rows, or null if it is not a node. */
  public Answer expected(Swhid swhid) {
    Node node = nodes.stream().filter(n -> n.swhid().equals(swhid)).findFirst().orElse(null);
    if (node == null) {
      return null;
    }
    long[] best = null;
    switch (node.type()) {
      case CONTENT -> {
        for (long[] row : contentsInRevisions) {
          if (row[0] == node.id()) {
            best = earlier(best, new long[] {row[1], row[2]});
          }
        }
        for (long[] inDirectory : contentsInDirectories) {
          if (inDirectory[0] == node.id()) {
            for (long[] row : directoriesInRevisions) {
              if (row[0] == inDirectory[1]) {
                best = earlier(best, new long[] {row[1], row[2]});
              }
            }
          }
        }
      }
      case DIRECTORY -> {
        for (long[] row : directoriesInRevisions) {
          if (row[0] == node.id()) {
            best = earlier(best, new long[] {row[1], row[2]});
          }
        }
      }
      case REVISION, RELEASE -> best = new long[] {node.id(), Long.MIN_VALUE};
      default -> best = null;
    }
    if (best == null) {
      return new Answer(null, null, null);
    }
    Long date = best[1] == Long.MIN_VALUE ? ownDate(best[0]) : Long.valueOf(best[1]);
    return new Answer(byId.get(best[0]).swhid(), date, smallestOriginUrl(best[0]));
  }

  /**
   * Every (anchor, date, origin) of {@code swhid} by brute force, in the order the server streams
   * them: a content's revisions (earliest first), then, for each frontier directory containing it
   * (by id), that directory's revisions (earliest first), a revision repeated within one of these
   * lists once; empty if it has none, null if it is not a node.
   */
  public List<Answer> allAnchors(Swhid swhid) {
    Node node = nodes.stream().filter(n -> n.swhid().equals(swhid)).findFirst().orElse(null);
    if (node == null) {
      return null;
    }
    List<Answer> answers = new ArrayList<>();
    switch (node.type()) {
      case CONTENT -> {
        addEarliestFirst(contentsInRevisions, node.id(), answers);
        contentsInDirectories.stream()
            .filter(r -> r[0] == node.id())
            .map(r -> r[1])
            .distinct()
            .sorted(Long::compareUnsigned)
            .forEach(dir -> addEarliestFirst(directoriesInRevisions, dir, answers));
      }
      case DIRECTORY -> addEarliestFirst(directoriesInRevisions, node.id(), answers);
      case REVISION, RELEASE -> answers.add(expected(swhid));
      default -> {}
    }
    return answers;
  }

  /** The distinct (revrel, date) of the rows of {@code key} in {@code table}, earliest first. */
  private void addEarliestFirst(List<long[]> table, long key, List<Answer> answers) {
    Map<Long, Long> dates = new HashMap<>();
    table.stream().filter(r -> r[0] == key).forEach(r -> dates.put(r[1], r[2]));
    dates.entrySet().stream()
        .sorted(
            (a, b) ->
                !a.getValue().equals(b.getValue())
                    ? Long.compare(a.getValue(), b.getValue())
                    : Long.compareUnsigned(a.getKey(), b.getKey()))
        .forEach(
            anchor ->
                answers.add(
                    new Answer(
                        byId.get(anchor.getKey()).swhid(),
                        anchor.getValue(),
                        smallestOriginUrl(anchor.getKey()))));
  }

  private String smallestOriginUrl(long revrel) {
    Long smallest = null;
    for (long[] row : revisionsInOrigins) {
      if (row[0] == revrel && (smallest == null || Long.compareUnsigned(row[1], smallest) < 0)) {
        smallest = row[1];
      }
    }
    return smallest == null ? null : urls.get(smallest);
  }

  private Long ownDate(long revrel) {
    for (List<long[]> table : List.of(contentsInRevisions, directoriesInRevisions)) {
      for (long[] row : table) {
        if (row[1] == revrel) {
          return row[2];
        }
      }
    }
    return null;
  }

  /**
   * The earlier of two (revrel, date) candidates: smaller date, then smaller unsigned revrel id.
   */
  private static long[] earlier(long[] current, long[] candidate) {
    if (current == null
        || candidate[1] < current[1]
        || (candidate[1] == current[1] && Long.compareUnsigned(candidate[0], current[0]) < 0)) {
      return candidate;
    }
    return current;
  }
}
