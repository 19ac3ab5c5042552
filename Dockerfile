# syntax=docker/dockerfile:1
# Software Heritage provenance server image, for linux/amd64 and linux/arm64.
#   docker build -t swh-provenance .
#   docker buildx build --platform linux/amd64,linux/arm64 -t swh-provenance .
#   docker run --rm -p 50141:50141 -m 8g -v /srv/provenance:/srv/provenance:ro swh-provenance
# The database is mounted read-only at /srv/provenance (or given as an object-store URL with
# --database); see docs/operations.md.

# Build stage: the shaded server jar, tests skipped (CI runs them before images are built). It runs on
# the build machine's platform and keeps only the target architecture's native libraries (profiles
# image-amd64 and image-arm64 of flight-server/pom.xml); Arrow's dataset library exists for no other.
FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-25 AS build
ARG TARGETARCH
WORKDIR /build
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    case "$TARGETARCH" in amd64|arm64) ;; *) echo "unsupported architecture: $TARGETARCH (amd64 or arm64)" >&2; exit 1;; esac \
    && mvn -B -ntp -pl flight-server -am package -DskipTests -Dimage.arch="$TARGETARCH"

# Runtime stage: a JRE on glibc (Arrow's dataset JNI library needs glibc, so no Alpine).
FROM eclipse-temurin:25-jre
RUN groupadd --system --gid 10001 swh \
    && useradd --system --uid 10001 --gid swh --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin swh
COPY --from=build /build/flight-server/target/provenance-server.jar /opt/swh-provenance/provenance-server.jar
COPY docker/entrypoint.sh /opt/swh-provenance/entrypoint.sh
USER 10001:10001
ENV JVM_HEAP_PERCENT=10 \
    JVM_DIRECT_MEMORY_PERCENT=70 \
    SWH_PROVENANCE_BIND=0.0.0.0:50141
EXPOSE 50141
# Loading a large database takes minutes, during which health is NOT_SERVING: the start period covers it.
HEALTHCHECK --start-period=15m --interval=30s --timeout=10s --retries=3 \
    CMD ["java", "-Xmx64m", "-XX:TieredStopAtLevel=1", "--sun-misc-unsafe-memory-access=allow", "-jar", "/opt/swh-provenance/provenance-server.jar", "health", "--target", "127.0.0.1:50141", "--timeout", "PT5S"]
ENTRYPOINT ["/opt/swh-provenance/entrypoint.sh"]
CMD ["serve", "--database", "/srv/provenance"]
