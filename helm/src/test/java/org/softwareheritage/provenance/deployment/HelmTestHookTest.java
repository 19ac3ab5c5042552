package org.softwareheritage.provenance.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softwareheritage.provenance.deployment.Chart.Manifests;
import org.softwareheritage.provenance.deployment.Chart.ValuesFile;

/**
 * {@code helm test RELEASE}: one pod asks the server's standard health service through the Service
 * with the image's own {@code health} command, in plaintext gRPC like the probes (TLS ends at the
 * ingress), and succeeds only when the server is SERVING.
 */
class HelmTestHookTest {
  private static final String HEALTH = "spec.containers[name=health]";

  @Test
  void isAHelmTestHookThatInstallsAndUpgradesLeaveOut() {
    assertFalse(Chart.render(ValuesFile.DEFAULT).has("Pod"), "only `helm test` creates the pod");
  }

  @Test
  void checksHealthThroughTheServiceWithTheImagesHealthCommand(@TempDir Path work) {
    Manifests manifests = Chart.renderWithHooks(Map.of(), work);
    Node pod = manifests.get("Pod");
    Map<?, ?> annotations = pod.map("metadata.annotations");
    assertEquals("test", annotations.get(Chart.HOOK_PREFIX + "helm.sh/hook"));
    assertEquals(
        "before-hook-creation,hook-succeeded",
        annotations.get(Chart.HOOK_PREFIX + "helm.sh/hook-delete-policy"));
    assertEquals(
        "Never",
        pod.string("spec.restartPolicy"),
        "a failed check fails the test instead of retrying");

    List<Object> command = pod.list(HEALTH + ".command").stream().map(Node::value).toList();
    List<String> healthcheck =
        Dockerfile.read(Path.of("..", "Dockerfile")).runtime("HEALTHCHECK").execForm();
    assertEquals(
        healthcheck.subList(0, 7),
        command.subList(0, 7),
        "the image's health command, as its HEALTHCHECK runs it");
    Node service = manifests.get("Service");
    assertEquals(
        List.of(
            "--target="
                + service.string("metadata.name")
                + ":"
                + service.at("spec.ports[name=grpc].port").value(),
            "--timeout=PT10S"),
        command.subList(7, command.size()),
        "SERVING only, not --any-status");
    assertFalse(
        manifests.serverConfig().containsKey("SWH_PROVENANCE_TLS_CERT"),
        "the Service speaks plaintext gRPC");
    assertEquals(
        manifests.get("Deployment").string("spec.template.spec.containers[name=server].image"),
        pod.string(HEALTH + ".image"));
  }

  @Test
  void runsRestrictedWithBoundedMemory(@TempDir Path work) {
    Node pod = Chart.renderWithHooks(Map.of(), work).get("Pod");
    assertEquals(true, pod.at("spec.securityContext.runAsNonRoot").value());
    assertEquals(false, pod.at("spec.automountServiceAccountToken").value());
    assertEquals(true, pod.at(HEALTH + ".securityContext.readOnlyRootFilesystem").value());
    assertEquals("/tmp", pod.string(HEALTH + ".volumeMounts[name=tmp].mountPath"));
    assertTrue(pod.has("spec.volumes[name=tmp].emptyDir"));
    assertEquals("256Mi", pod.string(HEALTH + ".resources.limits.memory"));
    assertEquals(
        pod.string(HEALTH + ".resources.limits.memory"),
        pod.string(HEALTH + ".resources.requests.memory"));
  }

  @Test
  void followsTheServicePortAndReleaseName(@TempDir Path work) {
    Manifests manifests = Chart.renderWithHooks(Map.of("server.port", "50200"), work);
    List<Node> command = manifests.get("Pod").list(HEALTH + ".command");
    assertEquals("--target=provenance-swh-provenance:50200", command.get(7).value());
    assertEquals("provenance-swh-provenance", manifests.get("Service").string("metadata.name"));
  }
}
