package org.softwareheritage.provenance.client.flight;

import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Record batches arriving from the server, read one at a time: {@link #next()} loads the next batch
 * into {@link #root()}, which stays valid until the following call. Batches are requested only as
 * fast as they are read, so memory stays bounded. Closing cancels what is left.
 */
public interface BatchStream extends AutoCloseable {
  /** The schema of every batch. */
  Schema schema();

  /** Loads the next batch; false at the end. */
  boolean next();

  /** The current batch. */
  VectorSchemaRoot root();

  /** The dictionaries of dictionary-encoded columns (e.g. {@code nodes.type}). */
  DictionaryProvider dictionaries();

  @Override
  void close();
}
