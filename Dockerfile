# syntax=docker/dockerfile:1
# Static, non-root image: the binary only needs CA certificates (distroless/static provides them).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN scripts/build.sh /out/baton-confluence "${VERSION}"

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/baton-confluence /baton-confluence
USER 65532:65532
ENTRYPOINT ["/baton-confluence"]
