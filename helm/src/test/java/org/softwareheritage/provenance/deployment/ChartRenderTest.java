package org.softwareheritage.provenance.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.softwareheritage.provenance.deployment.Chart.Manifests;
import org.softwareheritage.provenance.deployment.Chart.ValuesFile;

/** What the rendered manifests promise, for the default, staging and production values. */
class ChartRenderTest {
  private static final String SERVER = "spec.template.spec.containers[name=server]";
  private static final int PORT = 50141;

  /**
   * Every environment variable the chart may set: the server's option/env contract and the image's
   * JVM sizing.
   */
  private static final Set<String> KNOWN_VARIABLES =
      Set.of(
          "SWH_PROVENANCE_DATABASE",
          "SWH_PROVENANCE_INDEX",
          "SWH_PROVENANCE_VERIFY_MANIFEST",
          "SWH_PROVENANCE_BIND",
          "SWH_PROVENANCE_METRICS_BIND",
          "SWH_PROVENANCE_MAX_CALL_TIME",
          "SWH_PROVENANCE_MAX_SWHIDS_PER_REQUEST",
          "SWH_PROVENANCE_MAX_MESSAGE_SIZE",
          "SWH_PROVENANCE_MAX_CONCURRENT_CALLS",
          "SWH_PROVENANCE_MAX_CONCURRENT_CALLS_PER_CLIENT",
          "SWH_PROVENANCE_RATE_LIMIT",
          "SWH_PROVENANCE_RATE_LIMIT_BURST",
          "SWH_PROVENANCE_RATE_LIMIT_KEY_HEADER",
          "SWH_PROVENANCE_CALL_MEMORY_BUDGET",
          "SWH_PROVENANCE_AUTH_TOKEN_FILE",
          "SWH_PROVENANCE_JWKS",
          "SWH_PROVENANCE_JWT_ISSUER",
          "SWH_PROVENANCE_JWT_AUDIENCE",
          "SWH_PROVENANCE_JWT_REQUIRED_ROLE",
          "SWH_PROVENANCE_ADMIN_TOKEN_FILE",
          "SWH_PROVENANCE_MAINTENANCE_FILE",
          "SWH_PROVENANCE_DRAIN_TIMEOUT",
          "SWH_PROVENANCE_LOG_FORMAT",
          "STATSD_HOST",
          "STATSD_PORT",
          "STATSD_TAGS",
          "SWH_SENTRY_DSN",
          "SWH_SENTRY_ENVIRONMENT",
          "SWH_SENTRY_DISABLE_LOGGING_EVENTS",
          "JVM_HEAP_PERCENT",
          "JVM_DIRECT_MEMORY_PERCENT",
          "JAVA_OPTS",
          "POD_NAME",
          "NODE_NAME");

  @ParameterizedTest
  @EnumSource(ValuesFile.class)
  void probesUseTheStandardHealthServiceAndAllowForLoading(ValuesFile values) {
    Node server = Chart.render(values).get("Deployment").at(SERVER);
    assertEquals(PORT, server.at("startupProbe.grpc.port").value());
    assertEquals(PORT, server.at("readinessProbe.grpc.port").value());
    assertFalse(
        server.has("startupProbe.grpc.service"), "the whole server's health, not one service");
    int startupSeconds =
        (int) server.at("startupProbe.periodSeconds").value()
            * (int) server.at("startupProbe.failureThreshold").value();
    assertTrue(
        startupSeconds >= 1800,
        "loading a large database needs at least 30 min, got " + startupSeconds + " s");
    assertEquals(PORT, server.at("livenessProbe.grpc.port").value());
    assertEquals(
        "liveness",
        server.string("livenessProbe.grpc.service"),
        "the name that stays SERVING while loading, in maintenance and while draining");
    assertFalse(server.has("livenessProbe.exec"), "no JVM started per probe");
    assertEquals(
        "require",
        Chart.render(values).serverConfig().get("SWH_PROVENANCE_VERIFY_MANIFEST"),
        "a damaged or incomplete database copy is refused");
    assertEquals("grpc", server.string("ports[name=grpc].name"));
    assertEquals(PORT, server.at("ports[name=grpc].containerPort").value());
  }

  @ParameterizedTest
  @EnumSource(ValuesFile.class)
  void preStopSleepAndDrainFitInTheTerminationGracePeriod(ValuesFile values) {
    Manifests manifests = Chart.render(values);
    long drain =
        Duration.parse(manifests.serverConfig().get("SWH_PROVENANCE_DRAIN_TIMEOUT").toString())
            .toSeconds();
    Node pod = manifests.get("Deployment").at("spec.template.spec");
    List<Object> preStop =
        pod.list("containers[name=server].lifecycle.preStop.exec.command").stream()
            .map(Node::value)
            .toList();
    assertEquals(List.of("sleep", "5"), preStop);
    int grace = (int) pod.at("terminationGracePeriodSeconds").value();
    assertEquals(30, drain);
    assertTrue(
        grace > 5 + drain,
        grace + " s must exceed the pre-stop sleep 5 s plus the drain timeout " + drain + " s");
  }

  @ParameterizedTest
  @EnumSource(ValuesFile.class)
  void everyServerMountButTmpIsReadOnlyAndTheDatabaseIsTheConfiguredOne(ValuesFile values) {
    Manifests manifests = Chart.render(values);
    Node pod = manifests.get("Deployment").at("spec.template.spec");
    for (Node mount : pod.list("containers[name=server].volumeMounts")) {
      boolean tmp = "/tmp".equals(mount.string("mountPath"));
      assertEquals(
          !tmp,
          mount.has("readOnly") && Boolean.TRUE.equals(mount.at("readOnly").value()),
          "read-only " + mount.value());
    }
    if (values == ValuesFile.PRODUCTION) {
      assertEquals(
          "s3://softwareheritage-provenance/2025-01-01/",
          manifests.serverConfig().get("SWH_PROVENANCE_DATABASE"));
      assertFalse(pod.has("volumes[name=database]"), "the Parquet files stay in object storage");
    } else {
      assertEquals(
          "/srv/provenance",
          pod.string("containers[name=server].volumeMounts[name=database].mountPath"));
      assertEquals("/srv/provenance", manifests.serverConfig().get("SWH_PROVENANCE_DATABASE"));
    }
    assertEquals(
        List.of("serve"),
        pod.list("containers[name=server].args").stream().map(Node::value).toList());
    assertEquals(true, pod.at("securityContext.runAsNonRoot").value());
    assertEquals(10001, pod.at("securityContext.runAsUser").value());
    assertEquals(
        true, pod.at("containers[name=server].securityContext.readOnlyRootFilesystem").value());
  }

  @ParameterizedTest
  @EnumSource(ValuesFile.class)
  void memoryIsGuaranteedAndSplitBetweenHeapAndDirectMemory(ValuesFile values) {
    Manifests manifests = Chart.render(values);
    Node resources = manifests.get("Deployment").at(SERVER + ".resources");
    String memory =
        switch (values) {
          case DEFAULT -> "2Gi";
          case STAGING -> "16Gi";
          case PRODUCTION -> "64Gi";
        };
    assertEquals(memory, resources.string("limits.memory"));
    assertEquals(memory, resources.string("requests.memory"));
    Map<?, ?> config = manifests.serverConfig();
    assertEquals("10", config.get("JVM_HEAP_PERCENT"));
    // the whole database in direct memory, or a mapped index whose pages the page cache holds
    assertEquals(
        values == ValuesFile.DEFAULT ? "70" : "20", config.get("JVM_DIRECT_MEMORY_PERCENT"));
    assertEquals(
        values == ValuesFile.DEFAULT ? null : "/srv/provenance-index",
        config.get("SWH_PROVENANCE_INDEX"));
  }

  @ParameterizedTest
  @EnumSource(ValuesFile.class)
  void environmentFollowsTheServerContractAndSecretsAreOnlyReferenced(ValuesFile values) {
    Manifests manifests = Chart.render(values);
    assertFalse(manifests.has("Secret"), "the chart never creates a Secret: values hold no secret");
    Set<String> names = new TreeSet<>();
    manifests.serverConfig().keySet().forEach(key -> names.add(key.toString()));
    for (Node variable : manifests.get("Deployment").list(SERVER + ".env")) {
      names.add(variable.string("name"));
      assertFalse(
          variable.has("value"), "set from the pod or a Secret, never inline: " + variable.value());
    }
    assertTrue(KNOWN_VARIABLES.containsAll(names), "unknown variables: " + names);
    assertEquals("0.0.0.0:" + PORT, manifests.serverConfig().get("SWH_PROVENANCE_BIND"));
    assertEquals("PT60S", manifests.serverConfig().get("SWH_PROVENANCE_MAX_CALL_TIME"));
    assertEquals("67108864", manifests.serverConfig().get("SWH_PROVENANCE_MAX_MESSAGE_SIZE"));
    assertEquals("1000000", manifests.serverConfig().get("SWH_PROVENANCE_MAX_SWHIDS_PER_REQUEST"));
    assertEquals("256", manifests.serverConfig().get("SWH_PROVENANCE_MAX_CONCURRENT_CALLS"));
    assertEquals("json", manifests.serverConfig().get("SWH_PROVENANCE_LOG_FORMAT"));
    assertEquals(
        values.name().equals("DEFAULT") ? "default" : values.name().toLowerCase(),
        manifests.serverConfig().get("SWH_SENTRY_ENVIRONMENT"));
    assertTrue(manifests.serverConfig().get("STATSD_TAGS").toString().contains("pod:$POD_NAME"));
  }

  @Test
  void defaultsServeAPvcWithoutIngressAutoscalingOrServiceMonitor() {
    Manifests manifests = Chart.render(ValuesFile.DEFAULT);
    Node pod = manifests.get("Deployment").at("spec.template.spec");
    assertEquals(
        "swh-provenance-database",
        pod.string("volumes[name=database].persistentVolumeClaim.claimName"));
    assertEquals(true, pod.at("volumes[name=database].persistentVolumeClaim.readOnly").value());
    assertFalse(pod.has("initContainers"));
    assertEquals(1, manifests.get("Deployment").at("spec.replicas").value());
    assertFalse(manifests.has("Ingress"));
    assertFalse(manifests.has("HorizontalPodAutoscaler"));
    assertFalse(manifests.has("ServiceMonitor"));
    assertEquals(1, manifests.get("PodDisruptionBudget").at("spec.maxUnavailable").value());
  }

  @Test
  void stagingIsExposedAtTheStagingHostOverGrpcAndScraped() {
    Manifests manifests = Chart.render(ValuesFile.STAGING);
    assertIngress(manifests, "provenance.staging.swh.network");
    assertScraped(manifests);
    Node sentry =
        manifests.get("Deployment").at(SERVER + ".env[name=SWH_SENTRY_DSN].valueFrom.secretKeyRef");
    assertEquals(Map.of("name", "swh-provenance-sentry", "key", "dsn"), sentry.value());
    Node pod = manifests.get("Deployment").at("spec.template.spec");
    Node build = pod.at("initContainers[0]");
    assertEquals("build-index", build.string("name"));
    assertEquals(
        List.of("index", "/srv/provenance", "/srv/provenance-index"),
        build.list("args").stream().map(Node::value).toList());
    assertEquals(true, build.at("volumeMounts[name=database].readOnly").value());
    assertFalse(
        build.has("volumeMounts[name=index].readOnly"), "the init container writes the index");
    Node verify = pod.at("initContainers[1]");
    assertEquals("verify-index", verify.string("name"));
    assertEquals(
        List.of("verify", "--index", "/srv/provenance-index", "/srv/provenance"),
        verify.list("args").stream().map(Node::value).toList());
    assertEquals(true, verify.at("volumeMounts[name=index].readOnly").value());
    assertEquals(
        "100Gi",
        pod.string(
            "volumes[name=index].ephemeral.volumeClaimTemplate.spec.resources.requests.storage"));
    assertEquals(
        "prometheus-statsd-exporter.monitoring", manifests.serverConfig().get("STATSD_HOST"));
  }

  @Test
  void productionFetchesFromObjectStorageAndAutoscalesFromTwoReplicas() {
    Manifests manifests = Chart.render(ValuesFile.PRODUCTION);
    assertIngress(manifests, "provenance.softwareheritage.org");
    assertScraped(manifests);
    Node deployment = manifests.get("Deployment");
    assertFalse(deployment.has("spec.replicas"), "the HPA owns the replica count");
    Node hpa = manifests.get("HorizontalPodAutoscaler");
    assertEquals(2, hpa.at("spec.minReplicas").value());
    assertEquals(deployment.string("metadata.name"), hpa.string("spec.scaleTargetRef.name"));

    Node pod = deployment.at("spec.template.spec");
    Node fetch = pod.at("initContainers[0]");
    assertEquals("fetch-index", fetch.string("name"), "the copy comes before verify");
    assertEquals(
        List.of(
            "copy",
            "--fast-list",
            "--transfers=32",
            ":s3:softwareheritage-provenance/2025-01-01/index",
            "/srv/provenance-index"),
        fetch.list("args").stream().map(Node::value).toList());
    assertFalse(
        fetch.has("volumeMounts[name=index].readOnly"), "the init container writes the copy");
    assertEquals("swh-provenance-object-storage", fetch.string("envFrom[0].secretRef.name"));
    Node verify = pod.at("initContainers[1]");
    assertEquals(
        List.of(
            "verify",
            "--index",
            "/srv/provenance-index",
            "s3://softwareheritage-provenance/2025-01-01/"),
        verify.list("args").stream().map(Node::value).toList());
    assertEquals(
        2,
        pod.list("initContainers").size(),
        "the Parquet files are neither copied nor read by the pods");
    assertEquals(
        "4Ti",
        pod.string(
            "volumes[name=index].ephemeral.volumeClaimTemplate.spec.resources.requests.storage"));
    assertEquals(
        "local-ssd",
        pod.string("volumes[name=index].ephemeral.volumeClaimTemplate.spec.storageClassName"));
    assertEquals("200", manifests.serverConfig().get("SWH_PROVENANCE_RATE_LIMIT"));
    // behind the ingress, per-client limits count each user, not the ingress pods
    assertEquals(
        "x-forwarded-for", manifests.serverConfig().get("SWH_PROVENANCE_RATE_LIMIT_KEY_HEADER"));
  }

  @Test
  void aDatabaseCopiedFromObjectStorageIsVerifiedBeforeItIsLoadedInMemory() {
    Node pod =
        Chart.render(
                List.of(),
                Map.of(
                    "database.source",
                    "objectStorage",
                    "database.objectStorage.remote",
                    ":s3:bucket/provenance/2025-01-01",
                    "database.verifyOnStart",
                    "true"))
            .get("Deployment")
            .at("spec.template.spec");
    assertEquals(
        List.of("fetch-database", "verify-database"),
        pod.list("initContainers").stream().map(c -> c.string("name")).toList());
    assertEquals(
        List.of(
            "copy",
            "--fast-list",
            "--transfers=16",
            ":s3:bucket/provenance/2025-01-01",
            "/srv/provenance"),
        pod.list("initContainers[0].args").stream().map(Node::value).toList());
    assertFalse(
        pod.has("initContainers[0].volumeMounts[name=database].readOnly"), "the copy is written");
    assertEquals(
        List.of("verify", "/srv/provenance"),
        pod.list("initContainers[1].args").stream().map(Node::value).toList());
    assertEquals(true, pod.at("initContainers[1].volumeMounts[name=database].readOnly").value());
    assertEquals(
        "10Gi",
        pod.string(
            "volumes[name=database].ephemeral.volumeClaimTemplate.spec.resources.requests.storage"));
    assertFalse(pod.has("volumes[name=index]"), "an index in memory needs no volume");
  }

  @Test
  void anIndexBuiltBeforehandOnAPvcIsMountedReadOnlyAndVerified() {
    Manifests manifests =
        Chart.render(
            List.of(),
            Map.of(
                "index.mode", "mapped", "index.source", "pvc", "index.pvc.subPath", "2025-01-01"));
    Node pod = manifests.get("Deployment").at("spec.template.spec");
    assertEquals(
        List.of("verify-index"),
        pod.list("initContainers").stream().map(c -> c.string("name")).toList());
    assertEquals(
        "swh-provenance-index", pod.string("volumes[name=index].persistentVolumeClaim.claimName"));
    assertEquals(true, pod.at("volumes[name=index].persistentVolumeClaim.readOnly").value());
    Node mount = pod.at("containers[name=server].volumeMounts[name=index]");
    assertEquals("2025-01-01", mount.string("subPath"));
    assertEquals("/srv/provenance-index", mount.string("mountPath"));
    assertEquals("/srv/provenance-index", manifests.serverConfig().get("SWH_PROVENANCE_INDEX"));
  }

  @Test
  void maintenanceToggleChangesOnlyTheWatchedFileNotThePodTemplate() {
    Manifests off = Chart.render(List.of(), Map.of());
    Manifests on = Chart.render(List.of(), Map.of("maintenance.enabled", "true"));
    Node maintenance =
        on.documents().stream()
            .filter(d -> "ConfigMap".equals(d.get("kind")))
            .map(d -> new Node(d, "ConfigMap"))
            .filter(d -> d.string("metadata.name").endsWith("-maintenance"))
            .findFirst()
            .orElseThrow();
    assertEquals(
        "The provenance service is under maintenance.", maintenance.string("data.maintenance"));
    assertEquals(
        off.get("Deployment").value(), on.get("Deployment").value(), "no rollout, no restart");

    Node server = on.get("Deployment").at(SERVER);
    Node mount = server.at("volumeMounts[name=maintenance]");
    assertFalse(mount.has("subPath"), "a subPath mount is never updated in a running pod");
    assertEquals(
        mount.string("mountPath") + "/maintenance",
        on.serverConfig().get("SWH_PROVENANCE_MAINTENANCE_FILE"));
    assertEquals(
        maintenance.string("metadata.name"),
        on.get("Deployment").string("spec.template.spec.volumes[name=maintenance].configMap.name"));
  }

  @Test
  void authenticationSettingsComeFromSecretsMountedAsFiles() {
    Manifests manifests =
        Chart.render(
            List.of(),
            Map.of(
                "auth.tokenSecret.name", "provenance-tokens",
                "auth.adminTokenSecret.name", "provenance-admin",
                "auth.jwt.jwks",
                    "https://auth.example.org/realms/swh/protocol/openid-connect/certs",
                "auth.jwt.issuer", "https://auth.example.org/realms/swh",
                "auth.jwt.audience", "swh-provenance",
                "auth.jwt.requiredRole", "swh.provenance.read"));
    assertFalse(manifests.has("Secret"));
    Map<?, ?> config = manifests.serverConfig();
    Node pod = manifests.get("Deployment").at("spec.template.spec");
    assertEquals("provenance-tokens", pod.string("volumes[name=auth-tokens].secret.secretName"));
    assertEquals(
        config.get("SWH_PROVENANCE_AUTH_TOKEN_FILE"),
        pod.string("containers[name=server].volumeMounts[name=auth-tokens].mountPath"));
    assertEquals("provenance-admin", pod.string("volumes[name=admin-token].secret.secretName"));
    assertEquals(
        config.get("SWH_PROVENANCE_ADMIN_TOKEN_FILE"),
        pod.string("containers[name=server].volumeMounts[name=admin-token].mountPath"));
    assertFalse(
        config.containsKey("SWH_PROVENANCE_TLS_CERT"),
        "TLS ends at the ingress: probes speak plaintext");
    assertEquals("swh.provenance.read", config.get("SWH_PROVENANCE_JWT_REQUIRED_ROLE"));
    assertEquals("https://auth.example.org/realms/swh", config.get("SWH_PROVENANCE_JWT_ISSUER"));
  }

  private static void assertIngress(Manifests manifests, String host) {
    Node ingress = manifests.get("Ingress");
    Map<?, ?> annotations = ingress.map("metadata.annotations");
    assertEquals("GRPC", annotations.get("nginx.ingress.kubernetes.io/backend-protocol"));
    long maxCallTime =
        Duration.parse(manifests.serverConfig().get("SWH_PROVENANCE_MAX_CALL_TIME").toString())
            .toSeconds();
    int read =
        Integer.parseInt(
            annotations.get("nginx.ingress.kubernetes.io/proxy-read-timeout").toString());
    int connect =
        Integer.parseInt(
            annotations.get("nginx.ingress.kubernetes.io/proxy-connect-timeout").toString());
    int tries =
        Integer.parseInt(
            annotations.get("nginx.ingress.kubernetes.io/proxy-next-upstream-tries").toString());
    assertEquals(
        "error",
        annotations.get("nginx.ingress.kubernetes.io/proxy-next-upstream"),
        "never retry a timeout");
    assertTrue(
        read > maxCallTime + (long) tries * connect,
        "ingress timeout "
            + read
            + " s must exceed the server's "
            + maxCallTime
            + " s plus "
            + tries
            + " connect attempts of "
            + connect
            + " s");
    assertEquals(
        "0",
        annotations.get("nginx.ingress.kubernetes.io/proxy-body-size"),
        "streams are not capped");
    assertEquals(
        "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16",
        annotations.get("nginx.ingress.kubernetes.io/whitelist-source-range"),
        "VPN and internal networks only");
    assertEquals("nginx", ingress.string("spec.ingressClassName"));
    assertEquals(host, ingress.string("spec.rules[0].host"));
    assertEquals(1, ingress.list("spec.rules").size());
    assertEquals(
        List.of(host), ingress.list("spec.tls[0].hosts").stream().map(Node::value).toList());
    assertEquals(
        manifests.get("Service").string("metadata.name"),
        ingress.string("spec.rules[0].http.paths[0].backend.service.name"));
    assertEquals("grpc", ingress.string("spec.rules[0].http.paths[0].backend.service.port.name"));
    assertEquals(PORT, manifests.get("Service").at("spec.ports[name=grpc].port").value());
  }

  private static void assertScraped(Manifests manifests) {
    Node monitor = manifests.get("ServiceMonitor");
    assertEquals("metrics", monitor.string("spec.endpoints[0].port"));
    assertEquals("/metrics", monitor.string("spec.endpoints[0].path"));
    assertEquals(
        manifests.get("Service").map("spec.selector"), monitor.map("spec.selector.matchLabels"));
    assertEquals(9090, manifests.get("Service").at("spec.ports[name=metrics].port").value());
    assertEquals(
        9090,
        manifests.get("Deployment").at(SERVER + ".ports[name=metrics].containerPort").value());
    assertEquals("0.0.0.0:9090", manifests.serverConfig().get("SWH_PROVENANCE_METRICS_BIND"));
  }
}
