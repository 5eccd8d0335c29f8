package c1fake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

// UploadAsset accepts metadata, then data chunks, then eof with the SHA-256 of the data, then the
// client's half-close. With Options.UploadFail the first streams are aborted after their first
// data (or eof) message. A verified upload is stored in OutDir: the first one of a task as
// <task-id>.c1z, later ones (the debug log) as <task-id>-<n>.bin.
func (b *batonService) UploadAsset(stream batonv1.BatonService_UploadAssetServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	md := first.GetMetadata()
	if md == nil {
		return b.invalid("upload: first message must be metadata")
	}
	if err := b.checkUploadMetadata(md); err != nil {
		return err
	}
	idx, abort := b.startUpload(md.GetTaskId())
	h := sha256.New()
	var data bytes.Buffer
	keep := b.s.opts.OutDir != ""
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return b.failUpload(idx, b.invalid("upload: stream closed before eof"))
		}
		if err != nil {
			return b.failUpload(idx, err)
		}
		if abort {
			b.updateUpload(idx, func(u *UploadRecord) { u.Aborted = true })
			return b.failUpload(idx, status.Error(codes.Unavailable, "fake: upload aborted"))
		}
		switch m := msg.GetMsg().(type) {
		case *batonv1.BatonServiceUploadAssetRequest_Data:
			n := len(m.Data.GetData())
			if n < 1 || n > maxChunk {
				return b.failUpload(idx, b.invalid("upload: data chunk of %d bytes (want 1..%d)", n, maxChunk))
			}
			h.Write(m.Data.GetData())
			if keep {
				data.Write(m.Data.GetData())
			}
			b.updateUpload(idx, func(u *UploadRecord) { u.Size += int64(n); u.Chunks = append(u.Chunks, n) })
		case *batonv1.BatonServiceUploadAssetRequest_Eof:
			return b.finishUpload(stream, idx, m.Eof, h.Sum(nil), &data)
		default:
			return b.failUpload(idx, b.invalid("upload: unexpected message after metadata"))
		}
	}
}

func (b *batonService) checkUploadMetadata(md *batonv1.BatonServiceUploadAssetRequest_UploadMetadata) error {
	if err := checkHostID(md.GetHostId()); err != nil {
		return b.invalid("upload: %v", err)
	}
	if err := checkTaskID(md.GetTaskId()); err != nil {
		return b.invalid("upload: %v", err)
	}
	if err := checkAnnotations("metadata.annotations", md.GetAnnotations()); err != nil {
		return b.invalid("upload: %v", err)
	}
	return nil
}

// finishUpload checks the checksum and the half-close, stores the data and answers.
func (b *batonService) finishUpload(stream batonv1.BatonService_UploadAssetServer, idx int,
	eof *batonv1.BatonServiceUploadAssetRequest_UploadEOF, sum []byte, data *bytes.Buffer) error {
	if len(eof.GetSha256Checksum()) != checksumSize {
		return b.failUpload(idx, b.invalid("upload: checksum of %d bytes (want %d)", len(eof.GetSha256Checksum()), checksumSize))
	}
	if err := checkAnnotations("eof.annotations", eof.GetAnnotations()); err != nil {
		return b.failUpload(idx, b.invalid("upload: %v", err))
	}
	ok := bytes.Equal(eof.GetSha256Checksum(), sum)
	b.updateUpload(idx, func(u *UploadRecord) { u.SHA256, u.ChecksumOK = hex.EncodeToString(sum), ok })
	if !ok {
		return b.failUpload(idx, status.Error(codes.DataLoss, b.s.st.violation("upload: checksum mismatch")))
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		return b.failUpload(idx, b.invalid("upload: client did not half-close after eof"))
	}
	path, err := b.store(idx, data)
	if err != nil {
		return b.failUpload(idx, status.Error(codes.Internal, err.Error()))
	}
	b.updateUpload(idx, func(u *UploadRecord) { u.Complete, u.Path = true, path })
	return stream.SendAndClose(&batonv1.BatonServiceUploadAssetResponse{})
}

// startUpload records a new stream and says whether it is to be aborted.
func (b *batonService) startUpload(taskID string) (int, bool) {
	st := b.s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sum.Uploads = append(st.sum.Uploads, UploadRecord{TaskID: taskID, Chunks: []int{}})
	abort := st.uploadFail > 0
	if abort {
		st.uploadFail--
	}
	st.notify()
	return len(st.sum.Uploads) - 1, abort
}

func (b *batonService) updateUpload(idx int, f func(*UploadRecord)) {
	st := b.s.st
	st.mu.Lock()
	f(&st.sum.Uploads[idx])
	st.notify()
	st.mu.Unlock()
}

func (b *batonService) failUpload(idx int, err error) error {
	b.updateUpload(idx, func(u *UploadRecord) { u.Error = err.Error() })
	return err
}

// store writes a verified upload into OutDir ("" when OutDir is unset).
func (b *batonService) store(idx int, data *bytes.Buffer) (string, error) {
	dir := b.s.opts.OutDir
	if dir == "" {
		return "", nil
	}
	st := b.s.st
	st.mu.Lock()
	taskID := st.sum.Uploads[idx].TaskID
	n := 0
	for i, u := range st.sum.Uploads {
		if i != idx && u.TaskID == taskID && u.Complete {
			n++
		}
	}
	st.mu.Unlock()
	name := taskID + ".c1z"
	if n > 0 {
		name = fmt.Sprintf("%s-%d.bin", taskID, n)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data.Bytes(), 0o600); err != nil {
		return "", fmt.Errorf("store upload: %w", err)
	}
	return path, nil
}
