package org.softwareheritage.provenance.client;

import io.grpc.Context;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.softwareheritage.provenance.proto.WhereAreOneRequest;
import org.softwareheritage.provenance.proto.WhereIsOneResult;
import org.softwareheritage.provenance.swhid.Swhid;

/**
 * The results of {@code WhereAreOne} over a list of SWHIDs handed to an observer as they arrive,
 * one batch (one call) after the other: each batch starts when the previous one is answered, in the
 * context of the caller, so that cancelling that context cancels the call under way.
 */
final class ObservedWhereAre {
  private final ProvenanceClient client;
  private final List<Swhid> swhids;
  private final int batchSize;
  private final StreamObserver<ProvenanceResult> results;
  private final Context context;
  private int sent;

  ObservedWhereAre(
      ProvenanceClient client,
      List<Swhid> swhids,
      int batchSize,
      StreamObserver<ProvenanceResult> results,
      Context context) {
    this.client = client;
    this.swhids = swhids;
    this.batchSize = batchSize;
    this.results = results;
    this.context = context;
  }

  /** Sends the next batch, or completes the results when every SWHID was answered. */
  void start() {
    if (sent == swhids.size()) {
      results.onCompleted();
      return;
    }
    List<Swhid> batch = swhids.subList(sent, Math.min(swhids.size(), sent + batchSize));
    sent += batch.size();
    WhereAreOneRequest.Builder request = WhereAreOneRequest.newBuilder();
    batch.forEach(swhid -> request.addSwhid(swhid.toString()));
    context.run(() -> client.asyncStub().whereAreOne(request.build(), new Batch(batch)));
  }

  /** The answers to one call: one result per SWHID of {@code batch}, in order. */
  private final class Batch
      implements ClientResponseObserver<WhereAreOneRequest, WhereIsOneResult> {
    private final List<Swhid> batch;
    private ClientCallStreamObserver<WhereAreOneRequest> call;
    private int position;
    private boolean failed;

    Batch(List<Swhid> batch) {
      this.batch = batch;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WhereAreOneRequest> call) {
      this.call = call;
    }

    @Override
    public void onNext(WhereIsOneResult result) {
      if (failed) {
        return;
      }
      ProvenanceResult answer;
      try {
        if (position == batch.size()) {
          throw ProvenanceException.protocol(
              "the server sent more than "
                  + batch.size()
                  + " results for "
                  + batch.size()
                  + " SWHIDs");
        }
        answer = ProvenanceClient.toResult(batch.get(position++), result);
      } catch (ProvenanceException e) {
        failed = true;
        call.cancel(e.getMessage(), e);
        results.onError(e);
        return;
      }
      results.onNext(answer);
    }

    @Override
    public void onError(Throwable failure) {
      if (!failed) {
        failed = true;
        results.onError(ProvenanceException.of(failure));
      }
    }

    @Override
    public void onCompleted() {
      if (failed) {
        return;
      }
      if (position != batch.size()) {
        failed = true;
        results.onError(
            ProvenanceException.protocol(
                "the server sent " + position + " results for " + batch.size() + " SWHIDs"));
        return;
      }
      start();
    }
  }
}
