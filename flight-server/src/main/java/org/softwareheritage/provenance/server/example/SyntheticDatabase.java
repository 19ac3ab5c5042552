package org.softwareheritage.provenance.server.example;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.softwareheritage.provenance.server.storage.ProvenanceTable;
import org.softwareheritage.provenance.swhid.ObjectType;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * A synthetic provenance database of any size with the shape of the real one, for benchmarks:
 * skewed popularity (a few "hot" contents, like an empty file or a licence, are in a large share of
 * all frontier directories and revisions, most contents in 1–3), revision dates with ties,
 * revisions in 0–50 origins, directories in one to thousands of revisions, several ZSTD-compressed
 * files per table with sorted keys and row groups with statistics.
 *
 * <p>Scale 1 is about 10 million rows in all; everything is a pure function of (scale, seed), so
 * the same arguments give byte-identical files. Tables are streamed row group by row group: memory
 * is a few arrays per revision, directory and origin (not per row) plus one row group.
 *
 * <p>{@value #SIDECAR} at the root (ignored by the loader, which skips {@code _}-prefixed entries)
 * records the arguments, the row counts and the hot contents, for benchmark drivers.
 */
public final class SyntheticDatabase {
  /** Name of the description file written at the root of the database. */
  public static final String SIDECAR = "_synthetic.json";

  /** Number of hot contents. */
  public static final int HOT_CONTENTS = 4;

  private static final long DATE_BASE = 1_104_537_600L; // 2005-01-01T00:00:00Z
  private static final int DATE_HOURS = 20 * 365 * 24;
  private static final long MAX_ROWS_PER_FILE = 4_000_000;
  private static final int MAX_ROWS_PER_GROUP = 1 << 20;
  private static final long SALT_CONTENT = 0x636e74L;
  private static final long SALT_C_IN_R = 0x63696eL;
  private static final long SALT_C_IN_D = 0x63696dL;
  private static final long SALT_D_IN_R = 0x64696eL;
  private static final long SALT_R_IN_O = 0x72696fL;
  private static final long SALT_HOT = 0x686f74L;
  private static final long SALT_FRONTIER = 0x66726fL;
  private static final long SALT_URL = 0x75726cL;
  private static final long SALT_HASH = 0x736861L;
  private static final byte[][] TYPE_TAGS = tags();

  private final long seed;
  private final double scale;
  private final Shape shape;
  private final long rowsPerFile;
  private final int rowsPerGroup;

  private byte[] types;
  private long[] revrelIds;
  private int[] revrelDates;
  private long[] frontierIds;
  private long[] originIds;
  private int[] hotContents;

  /** Node counts by kind at a scale. */
  public record Shape(
      int contents,
      int frontierDirectories,
      int otherDirectories,
      int revisions,
      int releases,
      int origins,
      int snapshots) {
    static Shape of(double scale) {
      return new Shape(
          count(2_000_000, scale),
          count(200_000, scale),
          count(100_000, scale),
          count(270_000, scale),
          count(30_000, scale),
          count(50_000, scale),
          count(50_000, scale));
    }

    private static int count(double atScaleOne, double scale) {
      double n = Math.max(1, Math.round(atScaleOne * scale));
      if (n > Integer.MAX_VALUE - 1) {
        throw new IllegalArgumentException("scale " + scale + " is too large");
      }
      return (int) n;
    }

    int nodes() {
      return contents
          + frontierDirectories
          + otherDirectories
          + revisions
          + releases
          + origins
          + snapshots;
    }

    int revrels() {
      return revisions + releases;
    }
  }

  private SyntheticDatabase(double scale, long seed) {
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("scale must be a positive number, got " + scale);
    }
    this.seed = seed;
    this.scale = scale;
    this.shape = Shape.of(scale);
    this.rowsPerFile = Math.max(1_000, Math.min(MAX_ROWS_PER_FILE, Math.round(1_000_000 * scale)));
    this.rowsPerGroup = (int) Math.max(100, Math.min(MAX_ROWS_PER_GROUP, rowsPerFile / 4));
  }

  /**
   * Writes the database for {@code scale} and {@code seed} into {@code directory}.
   *
   * @return rows written per table
   */
  public static Map<ProvenanceTable, Long> write(Path directory, double scale, long seed)
      throws IOException {
    return new SyntheticDatabase(scale, seed).writeAll(directory);
  }

  private Map<ProvenanceTable, Long> writeAll(Path directory) throws IOException {
    layOutNodes();
    Map<ProvenanceTable, Long> rows = new EnumMap<>(ProvenanceTable.class);
    rows.put(ProvenanceTable.NODES, writeNodes(directory));
    rows.put(ProvenanceTable.ORIGINS, writeOrigins(directory));
    rows.put(ProvenanceTable.CONTENTS_IN_REVISIONS, writeContentsInRevisions(directory));
    rows.put(ProvenanceTable.CONTENTS_IN_DIRECTORIES, writeContentsInDirectories(directory));
    rows.put(ProvenanceTable.DIRECTORIES_IN_REVISIONS, writeDirectoriesInRevisions(directory));
    rows.put(ProvenanceTable.REVISIONS_IN_ORIGINS, writeRevisionsInOrigins(directory));
    writeSidecar(directory, rows);
    return rows;
  }

  /** Node ids are 0..N-1 with the kinds shuffled; per-kind id arrays in increasing id order. */
  private void layOutNodes() {
    types = new byte[shape.nodes()];
    int at = 0;
    at = fill(at, shape.contents(), ObjectType.CONTENT);
    at = fill(at, shape.frontierDirectories() + shape.otherDirectories(), ObjectType.DIRECTORY);
    at = fill(at, shape.revisions(), ObjectType.REVISION);
    at = fill(at, shape.releases(), ObjectType.RELEASE);
    at = fill(at, shape.origins(), ObjectType.ORIGIN);
    fill(at, shape.snapshots(), ObjectType.SNAPSHOT);
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = types.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      byte swap = types[i];
      types[i] = types[j];
      types[j] = swap;
    }
    revrelIds = new long[shape.revrels()];
    revrelDates = new int[shape.revrels()];
    frontierIds = new long[shape.frontierDirectories()];
    originIds = new long[shape.origins()];
    int revrels = 0;
    int directories = 0;
    int frontiers = 0;
    int origins = 0;
    for (int id = 0; id < types.length; id++) {
      ObjectType type = ObjectType.values()[types[id]];
      switch (type) {
        case REVISION, RELEASE -> {
          revrelIds[revrels] = id;
          revrelDates[revrels] = revisionDate(revrels, random);
          revrels++;
        }
        case DIRECTORY -> {
          // frontier directories are a random subset of the directories
          if (frontiers < frontierIds.length
              && (shape.otherDirectories() == 0
                  || unit(mix(SALT_FRONTIER, id)) < frontierShare()
                  || frontierIds.length - frontiers == directoryCount() - directories)) {
            frontierIds[frontiers++] = id;
          }
          directories++;
        }
        case ORIGIN -> originIds[origins++] = id;
        default -> {}
      }
    }
    SplittableRandom hot = new SplittableRandom(mix(seed, SALT_HOT));
    hotContents =
        hot.ints(0, shape.contents())
            .distinct()
            .limit(Math.min(HOT_CONTENTS, shape.contents()))
            .sorted()
            .toArray();
  }

  private int fill(int at, int count, ObjectType type) {
    Arrays.fill(types, at, at + count, (byte) type.ordinal());
    return at + count;
  }

  private int directoryCount() {
    return shape.frontierDirectories() + shape.otherDirectories();
  }

  private double frontierShare() {
    return (double) shape.frontierDirectories() / directoryCount();
  }

  /**
   * Hours since 2005; one revision in five shares the date of the previous one (imports, rebases).
   */
  private int revisionDate(int revrel, SplittableRandom random) {
    if (revrel > 0 && random.nextInt(5) == 0) {
      return revrelDates[revrel - 1];
    }
    return random.nextInt(DATE_HOURS);
  }

  private long seconds(int revrel) {
    return DATE_BASE + revrelDates[revrel] * 3600L;
  }

  private long writeNodes(Path directory) throws IOException {
    try (ParquetTableWriter writer = writer(ProvenanceTable.NODES, directory)) {
      int origin = 0;
      for (int id = 0; id < types.length; id++) {
        ObjectType type = ObjectType.values()[types[id]];
        byte[] hash = type == ObjectType.ORIGIN ? sha1(url(origin++)) : hash(id);
        writer.row().set(0, id).set(1, TYPE_TAGS[type.ordinal()]).set(2, hash);
        writer.write();
        writer.endKey();
      }
      return writer.rows();
    }
  }

  private long writeOrigins(Path directory) throws IOException {
    try (ParquetTableWriter writer = writer(ProvenanceTable.ORIGINS, directory)) {
      for (int origin = 0; origin < originIds.length; origin++) {
        writer.row().set(0, originIds[origin]).set(1, url(origin).getBytes(StandardCharsets.UTF_8));
        writer.write();
        writer.endKey();
      }
      return writer.rows();
    }
  }

  private long writeContentsInRevisions(Path directory) throws IOException {
    try (ParquetTableWriter writer = writer(ProvenanceTable.CONTENTS_IN_REVISIONS, directory)) {
      int content = 0;
      for (int id = 0; id < types.length; id++) {
        if (types[id] != ObjectType.CONTENT.ordinal()) {
          continue;
        }
        SplittableRandom random = random(SALT_C_IN_R, content);
        int hot = Arrays.binarySearch(hotContents, content);
        long[] revrels =
            hot >= 0
                ? byDate(hotSubset(shape.revrels(), 0.3 / (hot + 1), SALT_C_IN_R, hot))
                : byDate(distinct(random, contentDegrees(content)[0], shape.revrels()));
        for (long packed : revrels) {
          int revrel = (int) packed;
          writer
              .row()
              .set(0, id)
              .set(1, revrelIds[revrel])
              .set(2, seconds(revrel))
              .set(3, path(random, 3));
          writer.write();
        }
        writer.endKey();
        content++;
      }
      return writer.rows();
    }
  }

  private long writeContentsInDirectories(Path directory) throws IOException {
    try (ParquetTableWriter writer = writer(ProvenanceTable.CONTENTS_IN_DIRECTORIES, directory)) {
      int content = 0;
      for (int id = 0; id < types.length; id++) {
        if (types[id] != ObjectType.CONTENT.ordinal()) {
          continue;
        }
        SplittableRandom random = random(SALT_C_IN_D, content);
        int hot = Arrays.binarySearch(hotContents, content);
        long[] directories =
            hot >= 0
                ? hotSubset(frontierIds.length, 0.5 / (hot + 1), SALT_C_IN_D, hot)
                : sorted(distinct(random, contentDegrees(content)[1], frontierIds.length));
        for (long directoryIndex : directories) {
          writer.row().set(0, id).set(1, frontierIds[(int) directoryIndex]).set(2, path(random, 2));
          writer.write();
        }
        writer.endKey();
        content++;
      }
      return writer.rows();
    }
  }

  private long writeDirectoriesInRevisions(Path directory) throws IOException {
    try (ParquetTableWriter writer = writer(ProvenanceTable.DIRECTORIES_IN_REVISIONS, directory)) {
      for (int frontier = 0; frontier < frontierIds.length; frontier++) {
        SplittableRandom random = random(SALT_D_IN_R, frontier);
        long[] revrels = byDate(distinct(random, directoryDegree(random), shape.revrels()));
        if (revrels.length == 0) {
          continue;
        }
        long maxContentDate = seconds((int) revrels[0]) - random.nextInt(365 * 24) * 3600L;
        byte[] path = random.nextInt(4) == 0 ? new byte[0] : path(random, 2);
        for (long packed : revrels) {
          int revrel = (int) packed;
          writer
              .row()
              .set(0, frontierIds[frontier])
              .set(1, maxContentDate)
              .set(2, revrelIds[revrel])
              .set(3, seconds(revrel))
              .set(4, path);
          writer.write();
        }
        writer.endKey();
      }
      return writer.rows();
    }
  }

  private long writeRevisionsInOrigins(Path directory) throws IOException {
    try (ParquetTableWriter writer = writer(ProvenanceTable.REVISIONS_IN_ORIGINS, directory)) {
      for (int revrel = 0; revrel < revrelIds.length; revrel++) {
        SplittableRandom random = random(SALT_R_IN_O, revrel);
        for (long origin : sorted(distinct(random, originDegree(random), originIds.length))) {
          writer.row().set(0, revrelIds[revrel]).set(1, originIds[(int) origin]);
          writer.write();
        }
        writer.endKey();
      }
      return writer.rows();
    }
  }

  /**
   * Number of (direct revisions, frontier directories) of an ordinary content: mostly 0–3 each,
   * with a heavy tail; about 2 % of contents have neither.
   */
  private int[] contentDegrees(int content) {
    SplittableRandom random = random(SALT_CONTENT, content);
    int revisions = smallDegree(random, 0.45, 0.30, 0.15, 0.07);
    int directories = smallDegree(random, 0.40, 0.35, 0.15, 0.07);
    if (revisions == 0 && directories == 0 && random.nextInt(10) != 0) {
      revisions = 1;
    }
    return new int[] {revisions, directories};
  }

  /** 0, 1, 2 or 3 with the given probabilities, else 4 or more (Pareto tail, at most 1000). */
  private static int smallDegree(
      SplittableRandom random, double p0, double p1, double p2, double p3) {
    double u = random.nextDouble();
    if (u < p0) {
      return 0;
    } else if (u < p0 + p1) {
      return 1;
    } else if (u < p0 + p1 + p2) {
      return 2;
    } else if (u < p0 + p1 + p2 + p3) {
      return 3;
    }
    return 4 + (int) Math.min(996, Math.pow(1 - random.nextDouble(), -0.8));
  }

  /** Revisions of a frontier directory: usually one or a few, a heavy tail up to 5000. */
  private static int directoryDegree(SplittableRandom random) {
    double u = random.nextDouble();
    if (u < 0.05) {
      return 0;
    } else if (u < 0.55) {
      return 1;
    } else if (u < 0.75) {
      return 2;
    } else if (u < 0.85) {
      return 3;
    } else if (u < 0.95) {
      return 4 + random.nextInt(7);
    }
    return 11 + (int) Math.min(4989, Math.pow(1 - random.nextDouble(), -1.2));
  }

  /** Origins of a revision: 0–50, most in one. */
  private static int originDegree(SplittableRandom random) {
    double u = random.nextDouble();
    if (u < 0.05) {
      return 0;
    } else if (u < 0.65) {
      return 1;
    } else if (u < 0.80) {
      return 2;
    } else if (u < 0.92) {
      return 3 + random.nextInt(3);
    }
    return 6 + random.nextInt(45);
  }

  /** Up to {@code count} distinct values in [0, bound), unsorted. */
  private static long[] distinct(SplittableRandom random, int count, int bound) {
    int n = Math.min(count, bound);
    long[] values = new long[n];
    for (int i = 0; i < n; i++) {
      values[i] = random.nextInt(bound);
    }
    return values;
  }

  private static long[] sorted(long[] values) {
    Arrays.sort(values);
    return unique(values);
  }

  /**
   * Revrel indexes ordered by (date, index) — the loader's order — each packed as date << 32 |
   * index.
   */
  private long[] byDate(long[] revrels) {
    for (int i = 0; i < revrels.length; i++) {
      revrels[i] = ((long) revrelDates[(int) revrels[i]] << 32) | revrels[i];
    }
    Arrays.sort(revrels);
    return unique(revrels);
  }

  private static long[] unique(long[] sorted) {
    int n = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (i == 0 || sorted[i] != sorted[i - 1]) {
        sorted[n++] = sorted[i];
      }
    }
    return Arrays.copyOf(sorted, n);
  }

  /** Every index in [0, bound) kept with probability {@code share}, increasing. */
  private long[] hotSubset(int bound, double share, long tableSalt, int hot) {
    long salt = SALT_HOT ^ (tableSalt << 8) ^ hot;
    long[] chosen = new long[bound];
    int n = 0;
    for (int i = 0; i < bound; i++) {
      if (unit(mix(salt, i)) < share) {
        chosen[n++] = i;
      }
    }
    return Arrays.copyOf(chosen, n);
  }

  private ParquetTableWriter writer(ProvenanceTable table, Path directory) throws IOException {
    return new ParquetTableWriter(table, directory, rowsPerFile, rowsPerGroup);
  }

  private SplittableRandom random(long salt, int index) {
    return new SplittableRandom(mix(salt, index));
  }

  private long mix(long salt, long index) {
    return splitMix(splitMix(seed ^ salt) + index);
  }

  private static long splitMix(long z) {
    z += 0x9e3779b97f4a7c15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static double unit(long bits) {
    return (bits >>> 11) * 0x1.0p-53;
  }

  /** sha1_git of a non-origin node: 20 pseudo-random bytes. */
  private byte[] hash(long id) {
    byte[] hash = new byte[20];
    long state = mix(SALT_HASH, id);
    for (int i = 0; i < hash.length; i++) {
      if (i % 8 == 0) {
        state = splitMix(state);
      }
      hash[i] = (byte) (state >>> (8 * (i % 8)));
    }
    return hash;
  }

  private String url(int origin) {
    long bits = mix(SALT_URL, origin);
    String[] forges = {
      "github.com", "gitlab.com", "bitbucket.org", "salsa.debian.org", "git.example.org"
    };
    return "https://"
        + forges[(int) Long.remainderUnsigned(bits, forges.length)]
        + "/user"
        + Long.remainderUnsigned(bits >>> 16, 100_000)
        + "/project-"
        + origin;
  }

  private static byte[] sha1(String text) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-1", e);
    }
  }

  private static final String[] NAMES = {
    "src",
    "lib",
    "test",
    "docs",
    "include",
    "vendor",
    "core",
    "util",
    "main",
    "app",
    "README",
    "LICENSE",
    "setup",
    "index",
    "config",
    "Makefile"
  };
  private static final String[] EXTENSIONS = {
    ".c", ".h", ".py", ".js", ".md", ".txt", ".java", ".rs", ""
  };

  private static byte[] path(SplittableRandom random, int maxDepth) {
    StringBuilder path = new StringBuilder();
    int depth = random.nextInt(maxDepth + 1);
    for (int i = 0; i < depth; i++) {
      path.append(NAMES[random.nextInt(NAMES.length)]).append('/');
    }
    path.append(NAMES[random.nextInt(NAMES.length)])
        .append(random.nextInt(100))
        .append(EXTENSIONS[random.nextInt(EXTENSIONS.length)]);
    return path.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[][] tags() {
    byte[][] tags = new byte[ObjectType.values().length][];
    for (ObjectType type : ObjectType.values()) {
      tags[type.ordinal()] = type.tag().getBytes(StandardCharsets.US_ASCII);
    }
    return tags;
  }

  private void writeSidecar(Path directory, Map<ProvenanceTable, Long> rows) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("scale", scale);
    root.put("seed", seed);
    ObjectNode tables = root.putObject("rows");
    rows.forEach((table, count) -> tables.put(table.directory(), count));
    root.put("total_rows", rows.values().stream().mapToLong(Long::longValue).sum());
    ArrayNode hot = root.putArray("hot_contents");
    int content = 0;
    for (int id = 0; id < types.length && content <= hotContents[hotContents.length - 1]; id++) {
      if (types[id] == ObjectType.CONTENT.ordinal()) {
        if (Arrays.binarySearch(hotContents, content) >= 0) {
          hot.add(Swhid.of(ObjectType.CONTENT, hash(id)).toString());
        }
        content++;
      }
    }
    json.writerWithDefaultPrettyPrinter().writeValue(directory.resolve(SIDECAR).toFile(), root);
  }
}
