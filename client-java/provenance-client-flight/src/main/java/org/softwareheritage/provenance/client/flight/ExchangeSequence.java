package org.softwareheritage.provenance.client.flight;

import java.util.Iterator;
import java.util.function.Supplier;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Schema;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * Bulk provenance of any number of SWHIDs as consecutive DoExchange calls, each taking the next
 * SWHIDs of the input up to a per-call limit, since the server refuses a request naming more than
 * its own limit. A call starts once the previous one has answered all its SWHIDs, so the caller
 * reads one stream, in request order, with one call open at a time.
 */
final class ExchangeSequence implements BatchStream {
  private final Iterator<Swhid> swhids;
  private final Supplier<ExchangeStream> exchanges;
  private ExchangeStream current;
  private boolean ended;

  /**
   * @param exchanges starts a call over the next SWHIDs of {@code swhids}; the first one starts
   *     now, even for an empty input, so that the schema comes from the server
   */
  ExchangeSequence(Iterator<Swhid> swhids, Supplier<ExchangeStream> exchanges) {
    this.swhids = swhids;
    this.exchanges = exchanges;
    this.current = exchanges.get();
  }

  @Override
  public Schema schema() {
    return current.schema();
  }

  @Override
  public boolean next() {
    while (!ended) {
      if (current.next()) {
        return true;
      }
      current.close(); // waits for its writer thread, the last reader of the input
      if (swhids.hasNext()) {
        current = exchanges.get();
      } else {
        ended = true;
      }
    }
    return false;
  }

  @Override
  public VectorSchemaRoot root() {
    return current.root();
  }

  @Override
  public DictionaryProvider dictionaries() {
    return current.dictionaries();
  }

  /** Cancels the current call if it is unfinished. */
  @Override
  public void close() {
    current.close();
  }
}
