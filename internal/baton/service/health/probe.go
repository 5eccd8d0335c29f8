package health

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// Exit codes of Probe besides 0 (healthy). They follow gRPC code numbers.
const (
	ProbeUnhealthy        = 1  // the endpoint answered with a non-200 status
	ProbeInvalid          = 3  // unknown endpoint name
	ProbeDeadlineExceeded = 4  // no answer within the timeout
	ProbeUnavailable      = 14 // connection refused or another transport failure
)

// Probe performs GET http://bindAddress:port/endpoint (endpoint is live, ready or health) and
// returns a process exit code: 0 for HTTP 200, else one of the Probe* codes. A wildcard bind
// address (0.0.0.0, ::, empty) is probed on loopback.
func Probe(ctx context.Context, endpoint string, port int, bindAddress string, timeout time.Duration) int {
	switch endpoint {
	case "live", "ready", "health":
	default:
		return ProbeInvalid
	}
	host := bindAddress
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := fmt.Sprintf("http://%s/%s", net.JoinHostPort(host, fmt.Sprint(port)), endpoint)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return ProbeInvalid
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT) {
			return ProbeDeadlineExceeded
		}
		return ProbeUnavailable
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return ProbeUnhealthy
	}
	return 0
}
