# syntax=docker/dockerfile:1
# parkgate container image: `docker build -t parkgate .` then `docker run -p 8080:8080 -p 8282:8282 parkgate`.

# ---- build stage -------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build

# Dependencies first: this layer is rebuilt only when pom.xml changes.
COPY pom.xml ./
RUN mvn -B -ntp -q dependency:go-offline

# conf/cluster.xml is packaged into the jar as its default Hazelcast configuration.
COPY conf ./conf
COPY src ./src
RUN mvn -B -ntp -DskipTests package

# ---- runtime stage -----------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

# A fixed, unprivileged uid/gid; the Kubernetes Deployment runs as the same ids (runAsUser 10001).
RUN groupadd --system --gid 10001 parkgate \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin parkgate

WORKDIR /app
COPY --from=build /build/target/parkgate.jar /app/parkgate.jar

# Heap sized from the container's memory limit; an OutOfMemoryError ends the JVM so the orchestrator
# restarts it instead of leaving a half-working node in the cluster. IPv4 as in the tests.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=65 -XX:MaxDirectMemorySize=128m -XX:+ExitOnOutOfMemoryError -Djava.net.preferIPv4Stack=true"

USER 10001:10001

# 8080 HTTP API, 8282 gate controllers, 5701 Hazelcast members, 9090 clustered event bus.
EXPOSE 8080 8282 5701 9090

# No HEALTHCHECK: Kubernetes probes /health/live and /health/ready itself (k8s/base/deployment.yaml),
# and Docker's HEALTHCHECK is ignored there.
ENTRYPOINT ["java", "-jar", "/app/parkgate.jar"]
CMD ["run"]
