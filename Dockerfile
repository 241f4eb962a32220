# syntax=docker/dockerfile:1.7
#
# One image holding the six Juxuan binaries (the five services and the officers' console);
# Compose and the Helm chart pick the binary per container
# (`/usr/local/bin/juxuan-<service> serve|migrate`, `/usr/local/bin/juxuan-console serve`).
#
#   docker build -t juxuan:local .
#   docker build --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" -t juxuan:0.1.0 .
#
# Needs BuildKit (the default builder of current Docker) for the cache mounts.

ARG RUST_VERSION=1.95
ARG DEBIAN_SUITE=bookworm

# --- builder: the release binaries, built exactly as Cargo.lock says -------------------------
FROM rust:${RUST_VERSION}-${DEBIAN_SUITE} AS builder
WORKDIR /src
ENV CARGO_TERM_COLOR=never \
    CARGO_INCREMENTAL=0
# The whole workspace is needed (every member's manifest, the proto tree, the migrations that
# sqlx embeds, the console's static files); .dockerignore keeps target/, .git and the deployment files out of the context.
COPY . .
# The registry and target caches survive between builds on the same builder; target/ is a
# cache mount, so the binaries are copied out of it in the same step.
RUN --mount=type=cache,id=juxuan-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=juxuan-cargo-git,target=/usr/local/cargo/git \
    --mount=type=cache,id=juxuan-target,target=/src/target \
    cargo build --release --locked \
        -p juxuan-gateway -p juxuan-nomination -p juxuan-review -p juxuan-ballot -p juxuan-reporting \
        -p juxuan-console \
 && mkdir -p /out \
 && for bin in juxuan-gateway juxuan-nomination juxuan-review juxuan-ballot juxuan-reporting juxuan-console; do \
        cp "target/release/$bin" /out/; \
    done

# --- fonts: the CJK font of certificates (ballot) and report forms (reporting) -------------
FROM debian:${DEBIAN_SUITE}-slim AS fonts
# bookworm's version; change it together with DEBIAN_SUITE.
ARG WQY_MICROHEI_VERSION=0.2.0-beta-3.1
RUN apt-get update \
 && apt-get install -y --no-install-recommends "fonts-wqy-microhei=${WQY_MICROHEI_VERSION}" \
 && rm -rf /var/lib/apt/lists/*

# --- runtime: glibc + libgcc, no shell, non-root (uid/gid 65532) ----------------------------
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="juxuan" \
      org.opencontainers.image.description="Juxuan (居选): residents' committee elections - gateway, nomination, review, ballot and reporting services and the officers' console" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="gcr.io/distroless/cc-debian12:nonroot"
COPY --from=fonts /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
COPY --from=fonts /usr/share/doc/fonts-wqy-microhei/copyright /usr/share/doc/fonts-wqy-microhei/copyright
COPY --from=builder /out/ /usr/local/bin/
ENV JUXUAN_FONT_PATH=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc \
    RUST_LOG=info
USER 65532:65532
# Ports by binary: gateway 8080 (API, health, metrics); console 8081 (pages under /console/,
# health, metrics); nomination/review/ballot/reporting gRPC 50051-50054 and admin (health,
# metrics) 9101-9104. Bind addresses come from JUXUAN_*_ADDR.
EXPOSE 8080 8081 50051 50052 50053 50054 9101 9102 9103 9104
ENTRYPOINT ["/usr/local/bin/juxuan-gateway"]
CMD ["serve"]
