# syntax=docker/dockerfile:1
# vsecm/safe: the Safe and its plugins.
# Build from the repository root (the build context must be the whole tree):
#   docker build -f deploy/docker/safe.Dockerfile -t vsecm/safe:0.1.0 .
# deploy/docker/safe.Dockerfile.dockerignore keeps build trees and VCS data out of the context.

# Build stage: the same toolchain and packages as CI (scripts/setup.sh), a Release build without
# tests, installed into a staging root. This stage is identical in every VSecM Dockerfile, so
# building several images reuses its cached layers.
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
RUN bash scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DVSECM_BUILD_TESTS=OFF -DVSECM_WERROR=OFF \
        -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR=lib \
 && cmake --build /build \
 && DESTDIR=/out cmake --install /build --strip
# Every plugin the build produced must have been installed (an install() rule each).
RUN cd /build/lib/vsecm/plugins \
 && for p in *.so; do \
      test -f "/out/usr/lib/vsecm/plugins/$p" || { echo "plugin $p has no install() rule" >&2; exit 1; }; \
    done

# Runtime stage: Debian slim with only the shared libraries vsecm-safe needs.
FROM debian:bookworm-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="vsecm/safe" \
      org.opencontainers.image.description="VSecM in C++: the Safe and its plugins" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="debian:bookworm-slim"
# Runtime libraries, from Debian bookworm (the versions the build stage linked against);
# the ldd check below fails the build if one is missing.
#   libssl3                    TLS 1.3 and crypto primitives, also for the plugins
#   libfmt9                    formatting
#   libyaml-cpp0.7             the configuration file; vsecm-store-k8s (kubeconfig)
#   libboost-filesystem1.74.0  Boost.DLL, the plugin loader
#   libgrpc++1.51              the SPIFFE Workload API (pulls libgrpc29 and abseil)
#   libprotobuf32              the SPIFFE Workload API messages
#   librocksdb7.8              vsecm-store-rocksdb
#   libsqlcipher0              vsecm-store-sqlcipher
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libssl3 \
        libfmt9 \
        libyaml-cpp0.7 \
        libboost-filesystem1.74.0 \
        libgrpc++1.51 \
        libprotobuf32 \
        librocksdb7.8 \
        libsqlcipher0 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 vsecm \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin vsecm
COPY --from=build /out/usr/bin/vsecm-safe /usr/bin/vsecm-safe
COPY --from=build /out/usr/lib/vsecm/plugins/ /usr/lib/vsecm/plugins/
# In production mode the Safe loads only plugins that, with their directory, belong to root and
# are not writable by group or others. /var/local/vsecm is the data volume's mount point.
RUN chown -R root:root /usr/bin/vsecm-safe /usr/lib/vsecm \
 && chmod 0755 /usr/bin/vsecm-safe /usr/lib/vsecm /usr/lib/vsecm/plugins \
 && chmod 0644 /usr/lib/vsecm/plugins/*.so \
 && mkdir -p /var/local/vsecm /etc/vsecm /key \
 && chown 10001:10001 /var/local/vsecm \
 && chmod 0700 /var/local/vsecm \
 && if ldd /usr/bin/vsecm-safe /usr/lib/vsecm/plugins/*.so | grep 'not found'; then exit 1; fi
USER 10001:10001
# The API (mutual TLS), liveness, readiness and metrics.
EXPOSE 8443 8081 8082 8083
ENTRYPOINT ["/usr/bin/vsecm-safe"]
CMD ["serve"]
