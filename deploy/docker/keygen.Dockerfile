# syntax=docker/dockerfile:1
# vsecm/keygen: root key generation and offline decryption of backups.
# Build from the repository root (the build context must be the whole tree):
#   docker build -f deploy/docker/keygen.Dockerfile -t vsecm/keygen:0.1.0 .
# deploy/docker/keygen.Dockerfile.dockerignore keeps build trees and VCS data out of the context.

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

# Runtime stage: Debian slim with only the shared libraries vsecm-keygen needs.
FROM debian:bookworm-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="vsecm/keygen" \
      org.opencontainers.image.description="VSecM in C++: root key generation and offline decryption of backups" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="debian:bookworm-slim"
# Runtime libraries, from Debian bookworm (the versions the build stage linked against);
# the ldd check below fails the build if one is missing.
#   libssl3  age and AES-256-GCM primitives (libcrypto.so.3)
#   libfmt9  formatting
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libssl3 \
        libfmt9 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 vsecm \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin vsecm
COPY --from=build /out/usr/bin/vsecm-keygen /usr/bin/vsecm-keygen
RUN chown root:root /usr/bin/vsecm-keygen \
 && chmod 0755 /usr/bin/vsecm-keygen \
 && if ldd /usr/bin/vsecm-keygen | grep 'not found'; then exit 1; fi
USER 10001:10001
ENTRYPOINT ["/usr/bin/vsecm-keygen"]
CMD ["--help"]
