package filter

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Close ends the request's stream as Envoy does when the HTTP stream is done
// (ext_proc.cc closeStream): it half-closes and waits for the server to end the stream,
// at most wait (0: as long as the context allows), then releases it. Anything but a
// clean end is an error, a message after the last reply included.
func (s *Stream) Close(wait time.Duration) error {
	defer s.Cancel()
	if s.grpc == nil {
		return nil
	}
	if err := s.grpc.CloseSend(); err != nil {
		return fmt.Errorf("close send: %w", err)
	}
	if wait > 0 {
		t := time.AfterFunc(wait, s.cancel)
		defer t.Stop()
	}
	err := s.grpc.RecvMsg(&s.spare)
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err == nil:
		return fmt.Errorf("unexpected %s after the last message", ReplyName(&s.spare))
	default:
		return fmt.Errorf("awaiting the end of the stream: %w", err)
	}
}

// Cancel abandons the request's stream (the server sees it cancelled).
func (s *Stream) Cancel() {
	if s.cancel != nil {
		s.cancel()
	}
}
