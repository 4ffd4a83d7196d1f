package tables

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestErrorsNameTableOnce checks that a table's error does not start with
// its own name: the hosts put "table NAME: " before it. Each table runs
// with a cancelled context, so that its first kernel request fails. The
// event tables are left out: they would subscribe for the rest of the tests.
func TestErrorsNameTableOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, tb := range All() {
		spec := tb.Spec()
		if slices.ContainsFunc(eventStreams, func(s eventStreamer) bool { return s.streamName() == spec.Name }) {
			continue
		}
		t.Run(spec.Name, func(t *testing.T) {
			err := tb.Run(ctx, NewQuery(spec, nil, nil), func([]Value) error { return nil })
			if err != nil && strings.HasPrefix(err.Error(), spec.Name) {
				t.Errorf("error starts with the table's name: %v", err)
			}
		})
	}
}
