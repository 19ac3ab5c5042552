package org.softwareheritage.provenance.client.flight;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.apache.arrow.dataset.file.DatasetFileWriter;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.util.TransferPair;

/**
 * Saves a batch stream as one local file, batch by batch (memory bounded by a batch, whatever the
 * table size). Arrow IPC is written directly; Parquet goes through Arrow's native dataset writer
 * (arrow-dataset, an optional dependency), fed an IPC stream staged on disk. The file appears only
 * once complete.
 */
final class FileExport {
  private static final long RELEASE_WAIT_NANOS = 10_000_000_000L;
  private static final String PARQUET_WRITER = "org.apache.arrow.dataset.file.DatasetFileWriter";

  private FileExport() {}

  /** Fails, naming the dependency to add, unless Arrow's dataset module is on the class path. */
  static void requireParquetWriter() {
    try {
      Class.forName(PARQUET_WRITER, false, FileExport.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new UnsupportedOperationException(
          "saving Parquet needs org.apache.arrow:arrow-dataset on the class path (an optional"
              + " dependency of provenance-client-flight): add it to your build, or save ARROW_IPC",
          e);
    }
  }

  /** Writes every batch of {@code stream} to {@code file}; returns the number of rows. */
  static long write(BatchStream stream, Path file, FileFormat format, BufferAllocator allocator)
      throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    Files.createDirectories(directory);
    Path staging = Files.createTempDirectory(directory, ".writing-");
    try {
      Path written =
          format == FileFormat.PARQUET
              ? staging.resolve("parquet/part-0.parquet")
              : staging.resolve("part-0.arrow");
      long rows;
      try (BufferAllocator memory = allocator.newChildAllocator("file-export", 0, Long.MAX_VALUE)) {
        rows =
            format == FileFormat.PARQUET
                ? writeParquet(stream, staging, memory)
                : writeIpc(stream, written, memory);
        awaitReleased(memory);
      }
      Files.move(written, file, StandardCopyOption.REPLACE_EXISTING);
      return rows;
    } finally {
      try (Stream<Path> leftovers = Files.walk(staging)) {
        for (Path leftover :
            (Iterable<Path>) leftovers.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(leftover);
        }
      }
    }
  }

  private static long writeIpc(BatchStream stream, Path file, BufferAllocator memory)
      throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      return copy(
          stream, memory, (root, dictionaries) -> new ArrowFileWriter(root, dictionaries, channel));
    }
  }

  /**
   * Parquet through an IPC stream staged next to the output: Arrow's writer reads it with the
   * dictionaries.
   */
  private static long writeParquet(BatchStream stream, Path staging, BufferAllocator memory)
      throws IOException {
    Path ipc = staging.resolve("batches.arrows");
    long rows;
    try (FileChannel channel =
        FileChannel.open(ipc, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      rows =
          copy(
              stream,
              memory,
              (root, dictionaries) -> new ArrowStreamWriter(root, dictionaries, channel));
    }
    try (FileChannel channel = FileChannel.open(ipc, StandardOpenOption.READ);
        ArrowStreamReader reader = new ArrowStreamReader(channel, memory)) {
      DatasetFileWriter.write(
          memory,
          reader,
          org.apache.arrow.dataset.file.FileFormat.PARQUET,
          staging.resolve("parquet").toUri().toString(),
          new String[0],
          1,
          "part-{i}.parquet");
    } catch (RuntimeException e) {
      throw new IOException("the Parquet writer failed: " + e.getMessage(), e);
    }
    return rows;
  }

  /**
   * Copies every batch of {@code stream} into a root of its own (buffers shared, not copied) and
   * writes it with the writer {@code open} makes for that root and the dictionaries. The
   * dictionaries the first batch brings are kept (shared) for the whole file: a table read over
   * several endpoints frees those of each endpoint when moving to the next.
   */
  private static long copy(
      BatchStream stream,
      BufferAllocator memory,
      BiFunction<VectorSchemaRoot, DictionaryProvider, ArrowWriter> open)
      throws IOException {
    boolean more = stream.next();
    long rows = 0;
    DictionaryProvider.MapDictionaryProvider dictionaries =
        new DictionaryProvider.MapDictionaryProvider();
    try (VectorSchemaRoot out = VectorSchemaRoot.create(stream.root().getSchema(), memory)) {
      for (long id : stream.dictionaries().getDictionaryIds()) {
        Dictionary dictionary = stream.dictionaries().lookup(id);
        TransferPair share = dictionary.getVector().getTransferPair(memory);
        share.splitAndTransfer(0, dictionary.getVector().getValueCount());
        dictionaries.put(new Dictionary((FieldVector) share.getTo(), dictionary.getEncoding()));
      }
      try (ArrowWriter writer = open.apply(out, dictionaries)) {
        writer.start();
        VectorLoader loader = new VectorLoader(out);
        for (; more; more = stream.next()) {
          try (ArrowRecordBatch batch = new VectorUnloader(stream.root()).getRecordBatch()) {
            loader.load(batch);
          }
          writer.writeBatch();
          rows += out.getRowCount();
        }
        writer.end();
      }
    } finally {
      for (long id : dictionaries.getDictionaryIds()) {
        dictionaries.lookup(id).getVector().close();
      }
    }
    return rows;
  }

  /**
   * Arrow's native dataset writer releases the last batches it imported on a thread of its own
   * shortly after returning: wait for that before the allocator is closed.
   */
  private static void awaitReleased(BufferAllocator memory) throws IOException {
    long deadline = System.nanoTime() + RELEASE_WAIT_NANOS;
    while (memory.getAllocatedMemory() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while the Parquet writer released its memory", e);
      }
    }
  }
}
