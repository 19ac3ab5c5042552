package org.softwareheritage.provenance.server.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The serving state of a database as files in a directory, memory-mapped: one file per {@link
 * Region} (little-endian arrays, page-aligned as mappings are) and a header, {@value #HEADER},
 * naming the format version, the database the index was built from (its {@link DatabaseIdentity}),
 * the numbers of the store, and each file's size and CRC32C per block of {@value #BLOCK_BYTES}
 * bytes. The header's own SHA-256 is in {@value #HEADER_CHECKSUM}.
 *
 * <p>A build writes every file into a hidden directory inside the index directory and installs them
 * only once they are synced and checksummed: the old header is removed first and the new one
 * renamed into place last, so an interrupted build never leaves a usable half-index. Opening checks
 * the header, the version, the database and every file's size, and maps the files without reading
 * them; {@link #verify} also checks every block's checksum.
 */
public final class IndexDirectory extends RegionStore {
  public static final String HEADER = "index.json";
  public static final String HEADER_CHECKSUM = "index.json.sha256";
  static final String FORMAT = "swh-provenance-index";
  static final int VERSION = 1;
  static final long BLOCK_BYTES = 64L << 20;
  private static final String BUILD_PREFIX = ".build-";
  private static final String LOCK = ".lock";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path directory;

  /** Where the region files are: a build directory while building, else {@link #directory}. */
  private final Path files;

  private final FileLock lock;

  /** Building: one arena per region (resized and deleted one by one); open: one for all. */
  private final Map<String, Arena> arenas = new HashMap<>();

  private final Map<String, MemorySegment> segments = new HashMap<>();
  private final Arena shared;
  private boolean committed;
  private CompletableFuture<Void> savedInBackground = CompletableFuture.completedFuture(null);

  private IndexDirectory(Path directory, Path files, FileLock lock, Arena shared) {
    this.directory = directory;
    this.files = files;
    this.lock = lock;
    this.shared = shared;
  }

  /**
   * Starts building an index in {@code directory} (created if missing). The index in it, if any,
   * stays usable until {@link #commit}; only one build may run in a directory at a time.
   */
  public static IndexDirectory build(Path directory) throws IOException {
    Files.createDirectories(directory);
    FileChannel lockFile =
        FileChannel.open(
            directory.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockFile.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockFile.close();
      throw new DatabaseLoadException(directory + ": another index build is running there");
    }
    try (Stream<Path> entries = Files.list(directory)) {
      for (Path stale :
          entries.filter(p -> p.getFileName().toString().startsWith(BUILD_PREFIX)).toList()) {
        deleteTree(stale);
      }
    }
    Path files =
        Files.createDirectory(directory.resolve(BUILD_PREFIX + ProcessHandle.current().pid()));
    return new IndexDirectory(directory, files, lock, null);
  }

  @Override
  public boolean isMapped() {
    return true;
  }

  /** The directory of the index. */
  public Path directory() {
    return directory;
  }

  @Override
  protected Region allocate(String name, long length) {
    checkWritable();
    Path file = files.resolve(name);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(length);
    } catch (IOException e) {
      throw new DatabaseLoadException(file + ": cannot create: " + e.getMessage(), e);
    }
    return map(name, file, length);
  }

  private Region map(String name, Path file, long length) {
    Arena arena = Arena.ofShared();
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      MemorySegment segment = channel.map(FileChannel.MapMode.READ_WRITE, 0, length, arena);
      arenas.put(name, arena);
      segments.put(name, segment);
      return new Region(name, segment.address(), length);
    } catch (IOException e) {
      arena.close();
      throw new DatabaseLoadException(file + ": cannot map: " + e.getMessage(), e);
    }
  }

  @Override
  protected Region reallocate(Region region, long length) {
    checkWritable();
    unmap(region.name());
    Path file = files.resolve(region.name());
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(length);
    } catch (IOException e) {
      throw new DatabaseLoadException(file + ": cannot resize: " + e.getMessage(), e);
    }
    return map(region.name(), file, length);
  }

  @Override
  protected Region move(Region region, String name) {
    checkWritable();
    try {
      Files.move(files.resolve(region.name()), files.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new DatabaseLoadException(
          files.resolve(name) + ": cannot rename: " + e.getMessage(), e);
    }
    arenas.put(name, arenas.remove(region.name()));
    segments.put(name, segments.remove(region.name()));
    return new Region(name, region.address(), region.length());
  }

  @Override
  protected void release(Region region) {
    if (shared == null) {
      unmap(region.name());
      if (!committed) {
        try {
          Files.deleteIfExists(files.resolve(region.name()));
        } catch (IOException e) {
          throw new DatabaseLoadException(
              files.resolve(region.name()) + ": cannot delete: " + e.getMessage(), e);
        }
      }
    }
  }

  private void unmap(String name) {
    segments.remove(name);
    Arena arena = arenas.remove(name);
    if (arena != null) {
      arena.close();
    }
  }

  /**
   * Writes through the region's file rather than its mapping: a new file's pages then come into the
   * page cache as copies, where storing through the mapping would first fault each one in (the
   * kernel zero-filling it) and then mark it dirty.
   */
  @Override
  public void write(Region region, long offset, long source, long length) {
    checkWritable();
    Path file = files.resolve(region.name());
    ByteBuffer bytes = MemorySegment.ofAddress(source).reinterpret(length).asByteBuffer();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      for (long position = offset; bytes.hasRemaining(); ) {
        position += channel.write(bytes, position);
      }
    } catch (IOException e) {
      throw new DatabaseLoadException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  /**
   * Syncs the files of the regions made so far to disk on a thread of its own. A failure is left to
   * {@link #commit}, which syncs every file again; a file deleted meanwhile is skipped.
   */
  @Override
  public synchronized void saveInBackground() {
    checkWritable();
    List<Path> paths =
        regions().stream()
            .filter(region -> region.length() > 0)
            .map(region -> files.resolve(region.name()))
            .toList();
    savedInBackground =
        CompletableFuture.runAsync(
            () -> paths.forEach(IndexDirectory::trySync),
            task -> Thread.ofPlatform().daemon().name("index-save").start(task));
  }

  private static void trySync(Path file) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.force(false);
    } catch (IOException e) {
      // left to commit, which syncs every file again
    }
  }

  @Override
  public void willNeed(long address, long length) {
    Madvise.willNeed(address, length);
  }

  /**
   * Finishes a build: syncs every file to disk, checksums it, writes the header recording {@code
   * database}, and installs the files in the index directory, replacing the index there.
   */
  public synchronized void commit(DatabaseIdentity database) throws IOException {
    checkWritable();
    savedInBackground.join();
    List<Region> all = new ArrayList<>(regions());
    all.parallelStream()
        .filter(region -> region.length() > 0)
        .forEach(region -> segments.get(region.name()).force());
    for (Region region : all) {
      try (FileChannel channel =
          FileChannel.open(files.resolve(region.name()), StandardOpenOption.WRITE)) {
        channel.force(true);
      }
    }
    Map<String, long[]> checksums = new LinkedHashMap<>();
    for (Region region : all) {
      checksums.put(region.name(), checksums(segments.get(region.name())));
    }
    byte[] header = header(database, numbers(), all, checksums);
    write(files.resolve(HEADER), header);
    write(
        files.resolve(HEADER_CHECKSUM),
        (sha256(header) + "  " + HEADER + "\n").getBytes(StandardCharsets.US_ASCII));
    Set<String> previous = previousFiles(directory);
    Files.deleteIfExists(directory.resolve(HEADER));
    Files.deleteIfExists(directory.resolve(HEADER_CHECKSUM));
    for (Region region : all) {
      Files.move(
          files.resolve(region.name()),
          directory.resolve(region.name()),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      previous.remove(region.name());
    }
    for (String old : previous) {
      Files.deleteIfExists(directory.resolve(old));
    }
    Files.move(
        files.resolve(HEADER_CHECKSUM),
        directory.resolve(HEADER_CHECKSUM),
        StandardCopyOption.ATOMIC_MOVE);
    Files.move(files.resolve(HEADER), directory.resolve(HEADER), StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(directory);
    committed = true;
  }

  /**
   * The files of the index in {@code directory} that the new one does not replace, if its header
   * can be read.
   */
  private static Set<String> previousFiles(Path directory) {
    Set<String> names = new HashSet<>();
    try {
      JsonNode header = JSON.readTree(directory.resolve(HEADER).toFile());
      header.path("files").forEach(file -> names.add(file.path("name").asText()));
    } catch (IOException e) {
      // no readable index there: nothing of it to remove
    }
    names.removeIf(name -> !name.matches("[A-Za-z0-9_][A-Za-z0-9_.]*") || name.startsWith(HEADER));
    return names;
  }

  /**
   * Opens the index in {@code directory} for {@code database}: checks it and maps its files
   * read-only, advised for random reads.
   *
   * @throws DatabaseLoadException naming why the index cannot be served: missing, foreign, of
   *     another format version, built from another database (stale), or truncated
   */
  public static IndexDirectory open(Path directory, DatabaseIdentity database) {
    Header header = Header.read(directory);
    String difference = header.database().differenceFrom(database);
    if (difference != null) {
      throw new DatabaseLoadException(
          directory
              + ": stale index: "
              + difference
              + "; rebuild it with "
              + "`provenance-server index DATABASE "
              + directory
              + "`");
    }
    IndexDirectory index = new IndexDirectory(directory, directory, null, Arena.ofShared());
    try {
      index.setAll(header.numbers());
      for (Header.File file : header.files()) {
        index.add(index.mapReadOnly(file));
      }
      return index;
    } catch (RuntimeException e) {
      index.close();
      throw e;
    }
  }

  private Region mapReadOnly(Header.File file) {
    Path path = directory.resolve(file.name());
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      if (channel.size() != file.bytes()) {
        throw new DatabaseLoadException(
            path
                + ": truncated or damaged index file ("
                + channel.size()
                + " bytes, the header says "
                + file.bytes()
                + ")");
      }
      MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, file.bytes(), shared);
      Madvise.random(segment);
      segments.put(file.name(), segment);
      return new Region(file.name(), segment.address(), file.bytes());
    } catch (NoSuchFileException e) {
      throw new DatabaseLoadException(path + ": missing index file");
    } catch (IOException e) {
      throw new DatabaseLoadException(path + ": cannot map: " + e.getMessage(), e);
    }
  }

  /**
   * Whether {@code directory} holds an index of {@code database} in this format (nothing is read
   * but the header).
   */
  public static boolean isCurrent(Path directory, DatabaseIdentity database) {
    try {
      return Header.read(directory).database().differenceFrom(database) == null;
    } catch (DatabaseLoadException e) {
      return false;
    }
  }

  /**
   * Checks the index in {@code directory} against {@code database} and every block of every file
   * against its checksum (reading the files, not the mappings, so that the kernel reads ahead): one
   * line per problem, none if the index is sound.
   */
  public static List<String> verify(Path directory, DatabaseIdentity database) {
    List<String> problems = new ArrayList<>();
    try (IndexDirectory index = open(directory, database)) {
      for (Header.File file : Header.read(directory).files()) {
        Path path = directory.resolve(file.name());
        long[] actual = checksums(path, file.bytes());
        for (int block = 0; block < actual.length; block++) {
          if (block >= file.crc32c().length || actual[block] != file.crc32c()[block]) {
            problems.add(
                path
                    + ": damaged: bytes "
                    + block * BLOCK_BYTES
                    + " to "
                    + Math.min(file.bytes(), (block + 1) * BLOCK_BYTES)
                    + " differ from their checksum");
            break;
          }
        }
      }
    } catch (DatabaseLoadException e) {
      problems.add(e.getMessage());
    }
    return problems;
  }

  /** The block checksums of {@code file}, read in parallel. */
  private static long[] checksums(Path file, long bytes) {
    int blocks = (int) ((bytes + BLOCK_BYTES - 1) / BLOCK_BYTES);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return IntStream.range(0, blocks)
          .parallel()
          .mapToLong(
              block -> {
                CRC32C crc = new CRC32C();
                ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
                long end = Math.min(bytes, (block + 1) * BLOCK_BYTES);
                try {
                  for (long position = block * BLOCK_BYTES; position < end; ) {
                    buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
                    int read = channel.read(buffer, position);
                    if (read < 0) {
                      throw new DatabaseLoadException(file + ": truncated while reading");
                    }
                    position += read;
                    crc.update(buffer.flip());
                  }
                } catch (IOException e) {
                  throw new DatabaseLoadException(file + ": cannot read: " + e.getMessage(), e);
                }
                return crc.getValue();
              })
          .toArray();
    } catch (IOException e) {
      throw new DatabaseLoadException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** CRC32C of each {@value #BLOCK_BYTES}-byte block of {@code segment}, computed in parallel. */
  private static long[] checksums(MemorySegment segment) {
    int blocks = (int) ((segment.byteSize() + BLOCK_BYTES - 1) / BLOCK_BYTES);
    return IntStream.range(0, blocks)
        .parallel()
        .mapToLong(
            block -> {
              long start = block * BLOCK_BYTES;
              CRC32C crc = new CRC32C();
              crc.update(
                  segment
                      .asSlice(start, Math.min(BLOCK_BYTES, segment.byteSize() - start))
                      .asByteBuffer());
              return crc.getValue();
            })
        .toArray();
  }

  private static byte[] header(
      DatabaseIdentity database,
      Map<String, Long> numbers,
      List<Region> regions,
      Map<String, long[]> checksums) {
    ObjectNode json =
        JSON.createObjectNode()
            .put("format", FORMAT)
            .put("version", VERSION)
            .put("byte_order", "little-endian")
            .put("created", Instant.now().toString())
            .put("block_bytes", BLOCK_BYTES);
    ObjectNode db = json.putObject("database").put("location", database.location());
    ArrayNode dbFiles = db.putArray("files");
    for (DatabaseIdentity.File file : database.files()) {
      dbFiles
          .addObject()
          .put("path", file.path())
          .put("bytes", file.bytes())
          .put("sha256", file.sha256());
    }
    ObjectNode values = json.putObject("numbers");
    numbers.forEach(values::put);
    ArrayNode files = json.putArray("files");
    for (Region region : regions) {
      ArrayNode crc =
          files
              .addObject()
              .put("name", region.name())
              .put("bytes", region.length())
              .putArray("crc32c");
      for (long value : checksums.get(region.name())) {
        crc.add(value);
      }
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The header of an index directory, checked against its SHA-256. */
  private record Header(DatabaseIdentity database, Map<String, Long> numbers, List<File> files) {
    record File(String name, long bytes, long[] crc32c) {}

    static Header read(Path directory) {
      String build = "; build it with `provenance-server index DATABASE " + directory + "`";
      if (!Files.isDirectory(directory)) {
        throw new DatabaseLoadException(directory + ": no index (not a directory)" + build);
      }
      byte[] bytes;
      String expected;
      try {
        bytes = Files.readAllBytes(directory.resolve(HEADER));
        expected =
            Files.readString(directory.resolve(HEADER_CHECKSUM), StandardCharsets.US_ASCII)
                .split(" ", 2)[0]
                .trim();
      } catch (NoSuchFileException e) {
        throw new DatabaseLoadException(
            directory
                + ": no index (no "
                + e.getFile().replaceAll(".*/", "")
                + "; an interrupted build leaves none)"
                + build);
      } catch (IOException e) {
        throw new DatabaseLoadException(
            directory + ": cannot read the index header: " + e.getMessage(), e);
      }
      if (!sha256(bytes).equals(expected)) {
        throw new DatabaseLoadException(
            directory.resolve(HEADER)
                + ": damaged (its SHA-256 is not the one in "
                + HEADER_CHECKSUM
                + ")"
                + build);
      }
      JsonNode json;
      try {
        json = JSON.readTree(bytes);
      } catch (IOException e) {
        json = null;
      }
      if (json == null || !FORMAT.equals(json.path("format").asText())) {
        throw new DatabaseLoadException(
            directory + ": not a provenance index (foreign " + HEADER + ")");
      }
      int version = json.path("version").asInt();
      if (version != VERSION) {
        throw new DatabaseLoadException(
            directory
                + ": index format version "
                + version
                + ", this server reads version "
                + VERSION
                + build);
      }
      if (!"little-endian".equals(json.path("byte_order").asText())
          || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
        throw new DatabaseLoadException(
            directory + ": the index is little-endian, this machine is not");
      }
      List<DatabaseIdentity.File> dbFiles = new ArrayList<>();
      for (JsonNode file : json.path("database").path("files")) {
        dbFiles.add(
            new DatabaseIdentity.File(
                file.path("path").asText(),
                file.path("bytes").asLong(),
                file.path("sha256").isNull() ? null : file.path("sha256").asText()));
      }
      Map<String, Long> numbers = new LinkedHashMap<>();
      json.path("numbers")
          .properties()
          .forEach(entry -> numbers.put(entry.getKey(), entry.getValue().asLong()));
      List<File> files = new ArrayList<>();
      for (JsonNode file : json.path("files")) {
        long[] crc = new long[file.path("crc32c").size()];
        for (int i = 0; i < crc.length; i++) {
          crc[i] = file.path("crc32c").get(i).asLong();
        }
        String name = file.path("name").asText();
        if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_.]*")) {
          throw new DatabaseLoadException(
              directory + ": not a provenance index (file name '" + name + "')");
        }
        files.add(new File(name, file.path("bytes").asLong(), crc));
      }
      return new Header(
          new DatabaseIdentity(
              json.path("database").path("location").asText(), List.copyOf(dbFiles)),
          numbers,
          files);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    try (FileChannel channel =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      channel.write(ByteBuffer.wrap(bytes));
      channel.force(true);
    }
  }

  private static void syncDirectory(Path directory) throws IOException {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private void checkWritable() {
    if (shared != null || committed) {
      throw new IllegalStateException(directory + ": the index is read-only");
    }
  }

  /** Unmaps every file; a build that was not committed leaves nothing behind. */
  @Override
  public synchronized void close() {
    super.close();
    if (shared != null) {
      shared.close();
      return;
    }
    try {
      if (Files.exists(files)) {
        deleteTree(files);
      }
      lock.release();
      lock.channel().close();
    } catch (IOException e) {
      throw new DatabaseLoadException(files + ": cannot clean up: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return directory.toString();
  }
}
