package org.softwareheritage.provenance.server.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code MANIFEST.sha256} at the root of a database: the SHA-256 of every Parquet file the tables
 * are read from, in {@code sha256sum} format ({@code HEX RELATIVE/PATH}), so {@code sha256sum -c
 * MANIFEST.sha256} checks it too. The set of files must match exactly: a missing file loses rows,
 * and an extra one (a stray copy) doubles them.
 */
public final class Manifest {
  public static final String FILE_NAME = "MANIFEST.sha256";

  private static final Logger LOG = LoggerFactory.getLogger(Manifest.class);
  private static final long PROGRESS_NANOS = 10_000_000_000L;

  /** What {@code serve} does with the manifest before it loads a database. */
  public enum Verification {
    /** Never read it. */
    OFF,
    /** Check it when the database has one; warn when it has none. */
    ON,
    /** Check it, and refuse a database without one. */
    REQUIRE;

    /** Parses {@code off}, {@code on} or {@code require}. */
    public static Verification parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("'" + text + "' is not one of off, on, require");
      }
    }
  }

  private Manifest() {}

  /**
   * Checks the database at {@code location} as {@code verification} says, hashing its files in
   * parallel and logging progress, before it is loaded.
   *
   * @throws DatabaseLoadException one line naming the first problem and how many there are
   */
  public static void verify(DatabaseLocation location, Verification verification) {
    if (verification == Verification.OFF) {
      return;
    }
    Path root = location.localRoot();
    if (root == null) {
      if (verification == Verification.REQUIRE) {
        throw new DatabaseLoadException(
            location
                + ": --verify-manifest=require needs a local database, "
                + "the "
                + FILE_NAME
                + " of an object store cannot be checked");
      }
      LOG.warn("{}: an object store, {} not checked", location, FILE_NAME);
      return;
    }
    if (!Files.exists(root.resolve(FILE_NAME))) {
      if (verification == Verification.REQUIRE) {
        throw new DatabaseLoadException(
            root.resolve(FILE_NAME)
                + ": missing, and --verify-manifest=require"
                + " (write it with verify --write-manifest)");
      }
      LOG.warn("{}: missing, the database files are not checked", root.resolve(FILE_NAME));
      return;
    }
    List<String> problems;
    long start = System.nanoTime();
    try {
      problems = check(root);
    } catch (IOException | UncheckedIOException e) {
      throw new DatabaseLoadException(
          root.resolve(FILE_NAME) + ": cannot check: " + e.getMessage(), e);
    }
    if (!problems.isEmpty()) {
      throw new DatabaseLoadException(
          root
              + " does not match "
              + FILE_NAME
              + ": "
              + problems.get(0)
              + (problems.size() == 1
                  ? ""
                  : " (and " + (problems.size() - 1) + " more problems, see verify)"));
    }
    LOG.info(
        "{}: every file matches, checked in {} ms",
        root.resolve(FILE_NAME),
        (System.nanoTime() - start) / 1_000_000);
  }

  /** Writes the manifest of the database in {@code root}. */
  public static Path write(Path root) throws IOException {
    Map<String, Path> files = parquetFiles(root);
    Map<String, String> hashes = sha256(files);
    StringBuilder text = new StringBuilder();
    for (String relative : files.keySet()) {
      text.append(hashes.get(relative)).append("  ").append(relative).append('\n');
    }
    Path manifest = root.resolve(FILE_NAME);
    Files.writeString(manifest, text, StandardCharsets.UTF_8);
    return manifest;
  }

  /**
   * One line per file that is missing, changed or not listed, per path listed twice, or per
   * malformed manifest line; the files are hashed in parallel.
   */
  public static List<String> check(Path root) throws IOException {
    Path manifest = root.resolve(FILE_NAME);
    if (!Files.exists(manifest)) {
      return List.of(manifest + ": missing (write it with verify --write-manifest)");
    }
    List<String> problems = new ArrayList<>();
    Map<String, String> listed = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String[] parts = lines.get(i).split(" [ *]", 2);
      if (parts.length != 2 || !parts[0].matches("[0-9a-f]{64}")) {
        problems.add(FILE_NAME + ", line " + (i + 1) + ": expected 'SHA256  PATH'");
      } else if (listed.putIfAbsent(parts[1], parts[0]) != null) {
        problems.add(parts[1] + ": listed twice in " + FILE_NAME);
      }
    }
    Map<String, Path> present = parquetFiles(root);
    Map<String, Path> toHash = new TreeMap<>();
    for (String relative : listed.keySet()) {
      Path file = root.resolve(relative);
      if (Files.isRegularFile(file)) {
        toHash.put(relative, file);
      } else {
        problems.add(relative + ": listed in " + FILE_NAME + " but missing");
      }
    }
    for (String relative : present.keySet()) {
      if (!listed.containsKey(relative)) {
        problems.add(relative + ": not listed in " + FILE_NAME + " (a stray or duplicate file?)");
      }
    }
    Map<String, String> hashes = sha256(toHash);
    for (Map.Entry<String, String> entry : listed.entrySet()) {
      String actual = hashes.get(entry.getKey());
      if (actual != null && !actual.equals(entry.getValue())) {
        problems.add(entry.getKey() + ": SHA-256 differs from " + FILE_NAME);
      }
    }
    return problems;
  }

  private static Map<String, Path> parquetFiles(Path root) {
    DatabaseLocation location = DatabaseLocation.of(root);
    Map<String, Path> files = new TreeMap<>();
    for (ProvenanceTable table : ProvenanceTable.values()) {
      try {
        for (String source : location.sources(table)) {
          Path file = Path.of(URI.create(source));
          files.put(location.localRoot().relativize(file).toString().replace('\\', '/'), file);
        }
      } catch (DatabaseLoadException e) {
        // A missing table is reported by the verifier and the loader; the manifest covers the files
        // there are.
        continue;
      }
    }
    return files;
  }

  /** The SHA-256 of each file, computed by one thread per core, with a progress line every 10 s. */
  private static Map<String, String> sha256(Map<String, Path> files) throws IOException {
    long totalBytes = 0;
    for (Path file : files.values()) {
      totalBytes += Files.size(file);
    }
    Progress progress = new Progress(files.size(), totalBytes);
    int threads = Math.max(1, Math.min(files.size(), Runtime.getRuntime().availableProcessors()));
    Map<String, Future<String>> pending = new LinkedHashMap<>();
    ExecutorService hashers =
        Executors.newFixedThreadPool(
            threads, Thread.ofPlatform().name("manifest-", 0).daemon().factory());
    try {
      for (Map.Entry<String, Path> file : files.entrySet()) {
        pending.put(file.getKey(), hashers.submit(() -> sha256(file.getValue(), progress)));
      }
      Map<String, String> hashes = new TreeMap<>();
      for (Map.Entry<String, Future<String>> hash : pending.entrySet()) {
        hashes.put(hash.getKey(), hash.getValue().get());
      }
      return hashes;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException("hashing failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while checking " + FILE_NAME, e);
    } finally {
      hashers.shutdownNow();
    }
  }

  private static String sha256(Path file, Progress progress) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int read; (read = in.read(buffer)) >= 0; ) {
        digest.update(buffer, 0, read);
        progress.read(read);
      }
    }
    progress.fileDone();
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Files and bytes hashed so far, logged at most every 10 s while hashing lasts. */
  private static final class Progress {
    private final int totalFiles;
    private final long totalBytes;
    private final AtomicInteger files = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime());

    Progress(int totalFiles, long totalBytes) {
      this.totalFiles = totalFiles;
      this.totalBytes = totalBytes;
    }

    void read(int count) {
      bytes.addAndGet(count);
      long now = System.nanoTime();
      long last = lastLog.get();
      if (now - last >= PROGRESS_NANOS && lastLog.compareAndSet(last, now)) {
        LOG.info(
            "checking {}: {} of {} files, {} of {} MiB",
            FILE_NAME,
            files.get(),
            totalFiles,
            bytes.get() >> 20,
            totalBytes >> 20);
      }
    }

    void fileDone() {
      files.incrementAndGet();
    }
  }
}
