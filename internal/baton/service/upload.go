package service

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

const (
	// uploadChunkSize is the size of every data message but the last (server limit: 1 MiB).
	uploadChunkSize = 512 << 10
	uploadAttempts  = 3
)

// uploadDelays are the waits before the second and third attempts.
var uploadDelays = [uploadAttempts - 1]time.Duration{0, time.Second}

// upload sends the file at path as the task's asset: checksum first, then up to three attempts,
// each re-sending the whole stream.
func (r *runner) upload(ctx context.Context, taskID, path string) error {
	sum, err := fileSHA256(path)
	if err != nil {
		return err
	}
	for attempt := range uploadAttempts {
		if attempt > 0 {
			if werr := r.hooks.sleep(ctx, uploadDelays[attempt-1]); werr != nil {
				break
			}
		}
		if err = r.uploadOnce(ctx, taskID, path, sum); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			break
		}
		logging.From(ctx).Warn("upload attempt failed", zap.Int("attempt", attempt+1), zap.Error(err))
	}
	return fmt.Errorf("upload sync file: %w", err)
}

func fileSHA256(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checksum sync file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("checksum sync file: %w", err)
	}
	return h.Sum(nil), nil
}

// uploadOnce streams metadata, the file in 512 KiB chunks and eof{sha256}, then half-closes and
// waits for the server's answer.
func (r *runner) uploadOnce(ctx context.Context, taskID, path string, sum []byte) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := r.client.UploadAsset(sctx)
	if err != nil {
		return err
	}
	send := func(m *batonv1.BatonServiceUploadAssetRequest) error {
		err := stream.Send(m)
		if errors.Is(err, io.EOF) { // the server ended the stream; its status says why
			_, err = stream.CloseAndRecv()
			if err == nil {
				err = errors.New("server closed the upload stream early")
			}
		}
		return err
	}
	if err := send(&batonv1.BatonServiceUploadAssetRequest{Msg: &batonv1.BatonServiceUploadAssetRequest_Metadata{
		Metadata: &batonv1.BatonServiceUploadAssetRequest_UploadMetadata{HostId: r.hostID, TaskId: taskID},
	}}); err != nil {
		return err
	}
	if err := sendChunks(path, send); err != nil {
		return err
	}
	if err := send(&batonv1.BatonServiceUploadAssetRequest{Msg: &batonv1.BatonServiceUploadAssetRequest_Eof{
		Eof: &batonv1.BatonServiceUploadAssetRequest_UploadEOF{Sha256Checksum: sum},
	}}); err != nil {
		return err
	}
	_, err = stream.CloseAndRecv()
	return err
}

// sendChunks sends the file as data messages of uploadChunkSize bytes (the last one shorter,
// none for an empty file). Send encodes the message before returning, so the buffer is reused.
func sendChunks(path string, send func(*batonv1.BatonServiceUploadAssetRequest) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open sync file: %w", err)
	}
	defer f.Close()
	buf := make([]byte, uploadChunkSize)
	for {
		n, rerr := io.ReadFull(f, buf)
		if n > 0 {
			if err := send(&batonv1.BatonServiceUploadAssetRequest{Msg: &batonv1.BatonServiceUploadAssetRequest_Data{
				Data: &batonv1.BatonServiceUploadAssetRequest_UploadData{Data: buf[:n]},
			}}); err != nil {
				return err
			}
		}
		switch {
		case errors.Is(rerr, io.EOF), errors.Is(rerr, io.ErrUnexpectedEOF):
			return nil
		case rerr != nil:
			return fmt.Errorf("read sync file: %w", rerr)
		}
	}
}
