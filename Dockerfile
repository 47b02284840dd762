# kyodo — multi-stage build: the release binary in a slim image, run as a non-root user,
# with the database on a volume.
#
#   docker build -t kyodo .
#   docker run -d -v kyodo-data:/data -e DISCORD_TOKEN -e KYODO_GUILD_ID kyodo        (the bot)
#   docker run --rm -v kyodo-data:/data kyodo report --fiscal-year 2020               (a report)
#   docker run -d -v kyodo-data:/data -p 127.0.0.1:8080:8080 -e KYODO_WEB_ADDR=0.0.0.0:8080 kyodo web
#                                                        (the dashboard, published on this host's loopback only)
#   docker inspect --format '{{.State.Health.Status}}' <container>                   (HEALTHCHECK)

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Everything the manifest declares: the build script (the binary's link flags), cargo's build
# settings (.cargo/config.toml: the time zones built in), the library and
# binary, the three [[bench]] targets (cargo refuses a manifest whose targets are missing), the
# migrations, config, the chart's font and the dashboard's stylesheet embedded with
# include_str!/include_bytes!, and the dashboard's templates compiled in by askama.
# tests/kyodo/dockerfile.rs replays this set.
COPY Cargo.toml Cargo.lock build.rs ./
COPY .cargo ./.cargo
COPY src ./src
COPY benches ./benches
COPY migrations ./migrations
COPY config ./config
COPY assets ./assets
COPY templates ./templates
RUN cargo build --release --locked && strip target/release/kyodo

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin kyodo \
    && mkdir -p /data /app \
    && chown kyodo:kyodo /data
WORKDIR /app
COPY --from=build /src/target/release/kyodo /usr/local/bin/kyodo
COPY config ./config
ENV KYODO_CONFIG=/app/config/kyodo.toml \
    KYODO_DATABASE=/data/kyodo.sqlite3 \
    RUST_LOG=info
VOLUME ["/data"]
USER kyodo
# Healthy while the database opens at this kyodo's schema and the bot's heartbeat (kept in the
# database every 30 s) is fresh, its gateway connected and its scheduler passing; read-only.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 CMD ["kyodo", "health", "--bot"]
ENTRYPOINT ["kyodo"]
CMD ["run"]
