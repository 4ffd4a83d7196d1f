package tables

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPackagedConfigIsTheDefault: packaging/netlinkq.json, which the
// package installs as DefaultConfigPath, reads as DefaultEventsConfig.
func TestPackagedConfigIsTheDefault(t *testing.T) {
	got, err := LoadEventsConfig("../packaging/netlinkq.json")
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultEventsConfig()
	want.Namespaces = []string{}
	checkSame(t, want, got, "(-want +got)")
}

func TestLoadEventsConfig(t *testing.T) {
	dir := t.TempDir()
	withDefaults := func(f func(*EventsConfig)) EventsConfig {
		c := DefaultEventsConfig()
		f(&c)
		return c
	}
	tests := []struct {
		name    string
		file    string // "" for no file
		want    EventsConfig
		wantErr string
	}{
		{"no file", "", DefaultEventsConfig(), ""},
		{"no events object", `{"other": {"x": 1}}`, DefaultEventsConfig(), ""},
		{"some fields", `{"events": {"max_events": 1000, "max_age": "90s", "namespaces": ["blue", "/proc/1/ns/net"]}}`,
			withDefaults(func(c *EventsConfig) {
				c.MaxEvents, c.MaxAge, c.Namespaces = 1000, Duration(90*time.Second), []string{"blue", "/proc/1/ns/net"}
			}), ""},
		{"unknown field", `{"events": {"max_event": 1}}`, EventsConfig{}, `unknown field "max_event"`},
		{"bad duration", `{"events": {"max_age": "soon"}}`, EventsConfig{}, "soon"},
		{"duration as a number", `{"events": {"max_age": 60}}`, EventsConfig{}, "want a string"},
		{"zero events", `{"events": {"max_events": 0}}`, EventsConfig{}, "max_events 0"},
		{"bad JSON", `{"events": `, EventsConfig{}, "unexpected end"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "missing.json")
			if tt.file != "" {
				path = filepath.Join(dir, itoa(int64(i))+".json")
				if err := os.WriteFile(path, []byte(tt.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := LoadEventsConfig(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkSame(t, tt.want, got, "(-want +got)")
		})
	}
}
