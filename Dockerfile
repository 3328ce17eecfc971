# syntax=docker/dockerfile:1
#
# tollgate: one static binary on distroless, running as the image's nonroot user (65532).
#   docker build -t tollgate --build-arg VERSION=$(git describe --tags --always) .
#   docker run --rm -v $PWD/deploy/tollgate.yaml:/etc/tollgate/tollgate.yaml:ro tollgate
# Ports: 50051 ext_proc gRPC, 9464 admin HTTP (/metrics /healthz /readyz), 8080 `tollgate mock`.
# Memory: the image sets no GOMEMLIMIT on purpose. `tollgate serve` reads the container's
# memory limit from its cgroup and gives the Go runtime 90% of it (internal/memlimit); the
# default bound on request bodies in flight is an eighth of that. A GOMEMLIMIT at or above
# the container's limit (as the Helm chart sets it) is lowered to the same 90%.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
# Dependencies first, so that source edits do not invalidate the module download layer.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags "-s -w -X github.com/tollgate/tollgate/cli.Version=${VERSION}" -o /out/tollgate ./cmd/tollgate

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tollgate /tollgate
USER nonroot:nonroot
EXPOSE 50051 9464 8080
ENTRYPOINT ["/tollgate"]
CMD ["serve", "-config", "/etc/tollgate/tollgate.yaml"]
