# syntax=docker/dockerfile:1
# The dms-worker image: `dms-worker run` by default, or any other subcommand
# (`migrate`, `create-admin`, `simulate`, `import`, `dead-letters`) as the
# container's arguments. The Spin app is not built here: it is pushed as an
# OCI artifact with `spin registry push` (see docs/kubernetes.md).
#
#   docker build -t dms-worker:dev .

FROM rust:1-bookworm AS builder
WORKDIR /src
# rust-toolchain.toml also asks for the wasm32-wasip2 target, which the
# worker does not need: use the image's own stable toolchain.
ENV RUSTUP_TOOLCHAIN=stable
COPY . .
# The caches keep downloaded crates and compiled dependencies between
# builds. The binary is copied out because the target cache is not part of
# the image. The SQL migrations are compiled into the binary (sqlx::migrate!),
# so the runtime stage needs no migrations/ folder.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p dms-worker \
    && install -D -m 0755 target/release/dms-worker /out/dms-worker

# distroless/cc: glibc, libgcc, OpenSSL and CA certificates, no shell. Its
# Debian 12 matches the builder's, so the binary's glibc is compatible.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=builder /out/dms-worker /usr/local/bin/dms-worker
# uid and gid 65532; the Kubernetes manifests run it with the same ids.
USER nonroot:nonroot
EXPOSE 4000
ENV LISTEN_ADDR=0.0.0.0:4000
ENTRYPOINT ["/usr/local/bin/dms-worker"]
CMD ["run"]
