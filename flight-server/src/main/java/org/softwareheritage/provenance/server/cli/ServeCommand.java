package org.softwareheritage.provenance.server.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.softwareheritage.provenance.server.ProvenanceServer;
import org.softwareheritage.provenance.server.example.ExampleDatabase;
import org.softwareheritage.provenance.server.flight.FlightOptions;
import org.softwareheritage.provenance.server.index.IndexedDatabase;
import org.softwareheritage.provenance.server.ops.Operations;
import org.softwareheritage.provenance.server.ops.ProcessMemory;
import org.softwareheritage.provenance.server.storage.ArrowMemory;
import org.softwareheritage.provenance.server.storage.DatabaseIdentity;
import org.softwareheritage.provenance.server.storage.DatabaseLoadException;
import org.softwareheritage.provenance.server.storage.DatabaseLocation;
import org.softwareheritage.provenance.server.storage.IndexDirectory;
import org.softwareheritage.provenance.server.storage.Manifest;
import org.softwareheritage.provenance.server.storage.MemoryStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code serve}: listens, loads the database, then serves it until SIGTERM, which drains in-flight
 * calls and exits 0. A database that cannot be loaded exits 1 with one line saying why.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serve a provenance database over gRPC and Arrow Flight: from its index directory"
            + " (memory-mapped), or built in memory at start.")
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  /**
   * How long the drain waits, once the server has stopped, for the database's memory to be
   * released.
   */
  private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(5);

  @Option(
      names = "--database",
      paramLabel = "PATH_OR_URL",
      defaultValue = "${env:SWH_PROVENANCE_DATABASE}",
      description =
          "Database directory, file:// URL or object-store URL (s3://bucket/prefix/). "
              + "Default: the embedded golden example database.")
  private String database;

  @Option(
      names = "--index",
      paramLabel = "INDEX_DIR",
      defaultValue = "${env:SWH_PROVENANCE_INDEX}",
      description =
          "Serve the index built by `index DATABASE INDEX_DIR`, memory-mapped (needs --database; a"
              + " missing, stale or damaged index is refused). Default: build the index in memory"
              + " at start.")
  private Path index;

  @Option(
      names = "--bind",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:SWH_PROVENANCE_BIND:-0.0.0.0:50141}",
      converter = BindAddressConverter.class,
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  private InetSocketAddress bind;

  @Option(
      names = "--verify-manifest",
      paramLabel = "off|on|require",
      defaultValue = "${env:SWH_PROVENANCE_VERIFY_MANIFEST:-on}",
      converter = VerificationConverter.class,
      description =
          "Before loading, check every file against the database's MANIFEST.sha256: off, on (when"
              + " the database has one) or require (refuse a database without one) (default:"
              + " ${DEFAULT-VALUE}). Not with --index, which reads no Parquet file: `verify"
              + " --index` checks an index.")
  private Manifest.Verification verifyManifest;

  @Option(
      names = "--drain-timeout",
      paramLabel = "DURATION",
      defaultValue = "${env:SWH_PROVENANCE_DRAIN_TIMEOUT:-PT30S}",
      description =
          "On SIGTERM, how long in-flight calls may run before they are cancelled (ISO-8601,"
              + " default: ${DEFAULT-VALUE}).")
  private Duration drainTimeout;

  @Option(
      names = "--flight-endpoint-rows",
      paramLabel = "ROWS",
      defaultValue =
          "${env:SWH_PROVENANCE_FLIGHT_ENDPOINT_ROWS:-" + FlightOptions.DEFAULT_ENDPOINT_ROWS + "}",
      description =
          "Tables with more rows are offered as several Flight endpoints of at most ROWS rows"
              + " (default: ${DEFAULT-VALUE}).")
  private int endpointRows;

  @Option(
      names = "--flight-batch-rows",
      paramLabel = "ROWS",
      defaultValue =
          "${env:SWH_PROVENANCE_FLIGHT_BATCH_ROWS:-" + FlightOptions.DEFAULT_BATCH_ROWS + "}",
      description = "Rows per Flight record batch (default: ${DEFAULT-VALUE}).")
  private int batchRows;

  @Mixin private OperationsOptions operations;

  /** Set when {@link #call()} fails: the drain hook then leaves the exit code alone. */
  private volatile boolean failed;

  /**
   * Listens first (health NOT_SERVING, lookups UNAVAILABLE "database is loading"), then loads the
   * database and turns SERVING.
   */
  @Override
  public Integer call() throws Exception {
    operations.logFormat().apply();
    if (index != null && database == null) {
      throw new IllegalArgumentException(
          "--index needs --database, the database the index was built from");
    }
    CountDownLatch released = new CountDownLatch(1);
    boolean served = false;
    try (Operations ops = Operations.start(operations.settings(), System.getenv());
        BufferAllocator allocator = ArrowMemory.newRootAllocator();
        ProvenanceServer server =
            ProvenanceServer.listen(
                bind,
                allocator,
                new FlightOptions(endpointRows, batchRows, operations.maxSwhidsPerRequest),
                !ops.mayBlockCalls(),
                ops::configure)) {
      ops.attach(server, allocator);
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> drainAndExit(server, released), "drain"));
      LOG.info(
          "listening on {}:{}; {} {}",
          bind.getHostString(),
          server.port(),
          index == null ? "loading" : "mapping the index " + index + " of",
          database == null ? "the example database" : database);
      try (IndexedDatabase data = ops.load(() -> open(allocator))) {
        server.serve(data);
        LOG.info(
            "{} {}: {}; {}; serving on {}:{}",
            index == null ? "loaded" : "mapped",
            database == null ? "the example database" : database,
            data.summary(),
            ProcessMemory.read(),
            bind.getHostString(),
            server.port());
        server.awaitTermination();
      }
      served = true;
    } finally {
      failed = !served;
      released.countDown();
    }
    return 0;
  }

  /**
   * Runs on SIGTERM/SIGINT: drains the server, waits for {@link #call()} to release memory, and
   * exits 0 (the JVM would otherwise report 143 for a signal). After a failed start it does
   * nothing, so that the process exits with the failure's code.
   */
  private void drainAndExit(ProvenanceServer server, CountDownLatch released) {
    if (failed) {
      return;
    }
    LOG.info("shutting down: draining in-flight calls for up to {}", drainTimeout);
    try {
      server.shutdown(drainTimeout);
      released.await(RELEASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("stopped");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().halt(0);
  }

  /** Loads the database; running out of memory is a load failure like any other. */
  private IndexedDatabase open(BufferAllocator allocator) throws IOException {
    try {
      return openDatabase(allocator);
    } catch (OutOfMemoryError e) {
      throw outOfMemory(e, e);
    } catch (DatabaseLoadException e) {
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof OutOfMemoryError oom) {
          throw outOfMemory(oom, e);
        }
      }
      throw e;
    }
  }

  private static DatabaseLoadException outOfMemory(OutOfMemoryError error, Throwable cause) {
    return new DatabaseLoadException(
        "out of memory while loading the database ("
            + error.getMessage()
            + "): give the JVM more memory (container limit, -XX:MaxDirectMemorySize)",
        cause);
  }

  private IndexedDatabase openDatabase(BufferAllocator allocator) throws IOException {
    if (index != null) {
      // a mapped index never reads the Parquet files: verify --index checks what it serves
      return IndexedDatabase.open(
          IndexDirectory.open(index, DatabaseIdentity.of(DatabaseLocation.of(database))));
    }
    if (database != null) {
      DatabaseLocation location = DatabaseLocation.of(database);
      Manifest.verify(location, verifyManifest);
      return IndexedDatabase.build(location, allocator, new MemoryStore());
    }
    Path directory = Files.createTempDirectory("swh-provenance-example-");
    try {
      ExampleDatabase.write(directory, allocator);
      return IndexedDatabase.build(DatabaseLocation.of(directory), allocator, new MemoryStore());
    } finally {
      try (Stream<Path> files = Files.walk(directory)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(file);
        }
      }
    }
  }

  /** {@code off}, {@code on} or {@code require}, in any case. */
  static final class VerificationConverter implements ITypeConverter<Manifest.Verification> {
    @Override
    public Manifest.Verification convert(String value) {
      return Manifest.Verification.parse(value);
    }
  }
}
