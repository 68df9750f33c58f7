# lhuta in a container: a static binary (the SQLite driver is pure Go) on a
# distroless base, running as a non-root user.
#   docker build -t lhuta .
#   docker run -p 8080:8080 -v lhuta-data:/var/lib/lhuta lhuta
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
# The release images are built without Docker: go run ./cmd/lhuta-release
# (docs/RELEASE.md); this file is for building one from a checkout.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/lhuta/lhuta/internal/buildinfo.Version=${VERSION}" -o /out/lhuta ./cmd/lhuta
# The data directory exists in the image, owned by the user lhuta runs as,
# so that a new named volume mounted there starts with that owner.
RUN mkdir -p /out/data && chmod 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/lhuta /lhuta
COPY --from=build --chown=nonroot:nonroot /out/data /var/lib/lhuta
ENV LHUTA_ADDR=:8080 LHUTA_DATA_DIR=/var/lib/lhuta
VOLUME /var/lib/lhuta
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s CMD ["/lhuta", "healthcheck"]
ENTRYPOINT ["/lhuta"]
CMD ["serve"]
