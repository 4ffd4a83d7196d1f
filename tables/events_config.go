package tables

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// DefaultConfigPath is where the package installs netlinkq's configuration
// file (packaging/netlinkq.json).
const DefaultConfigPath = "/etc/netlinkq/netlinkq.json"

// EventsConfig bounds and places the event subscriptions. It is the
// "events" object of the configuration file; a field left out keeps its
// default (DefaultEventsConfig).
type EventsConfig struct {
	// MaxEvents is the most events one stream keeps for one namespace
	// (default 50,000); the oldest go first.
	MaxEvents int `json:"max_events"`
	// MaxBytes is the most memory, estimated, that one stream keeps for one
	// namespace (default 16 MiB); the oldest events go first.
	MaxBytes int64 `json:"max_bytes"`
	// MaxAge is how long an event stays buffered, as a Go duration
	// ("1h", "90s"; default 1h).
	MaxAge Duration `json:"max_age"`
	// ReceiveBuffer is each subscription socket's receive buffer in bytes
	// (default 4 MiB): what absorbs a burst before the kernel drops events.
	ReceiveBuffer int `json:"receive_buffer"`
	// Namespaces are the network namespaces subscribed at start beside the
	// host's: names under /run/netns or paths such as /proc/1/ns/net.
	Namespaces []string `json:"namespaces"`
	// MaxNamespaces bounds how many namespaces one stream subscribes,
	// the host's and the configured ones included (default 64): a query
	// for another namespace subscribes it on first use while fewer are.
	MaxNamespaces int `json:"max_namespaces"`
	// IdleTimeout ends a subscription started by a query (not the host's,
	// not a configured one) when no query has read it for that long
	// (default 10m), so that a deleted namespace is not kept alive.
	IdleTimeout Duration `json:"idle_timeout"`
}

// Duration is a time.Duration written in JSON as a Go duration string.
type Duration time.Duration

// UnmarshalJSON reads "90s", "1h30m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"1h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v <= 0 {
		return fmt.Errorf("duration %q: not positive", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as time.Duration.String does.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// DefaultEventsConfig is the configuration used when no file says otherwise.
// Memory bound: each stream and namespace holds at most MaxBytes of events
// (estimated) plus 48 bytes of slot per event up to MaxEvents: 16 MiB +
// 2.3 MiB by default, so about 55 MiB for the three streams in the host's
// namespace alone, and that again per other namespace subscribed (at most
// MaxNamespaces), plus each socket's ReceiveBuffer in the kernel.
func DefaultEventsConfig() EventsConfig {
	return EventsConfig{
		MaxEvents:     50000,
		MaxBytes:      16 << 20,
		MaxAge:        Duration(time.Hour),
		ReceiveBuffer: 4 << 20,
		MaxNamespaces: 64,
		IdleTimeout:   Duration(10 * time.Minute),
	}
}

// LoadEventsConfig reads the "events" object of the JSON configuration file
// at path over the defaults. A missing file gives the defaults; an unknown
// field inside "events", a bad value or bad JSON is an error. Other top-level
// objects are left to their readers.
func LoadEventsConfig(path string) (EventsConfig, error) {
	cfg := DefaultEventsConfig()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	var top struct {
		Events json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(b, &top); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if top.Events != nil {
		dec := json.NewDecoder(bytes.NewReader(top.Events))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return cfg, fmt.Errorf("config %s: events: %w", path, err)
		}
	}
	if err := cfg.check(); err != nil {
		return cfg, fmt.Errorf("config %s: events: %w", path, err)
	}
	return cfg, nil
}

// check refuses values that would make a buffer useless.
func (c EventsConfig) check() error {
	switch {
	case c.MaxEvents < 1:
		return fmt.Errorf("max_events %d: want at least 1", c.MaxEvents)
	case c.MaxBytes < 1<<10:
		return fmt.Errorf("max_bytes %d: want at least 1024", c.MaxBytes)
	case c.MaxNamespaces < 1:
		return fmt.Errorf("max_namespaces %d: want at least 1", c.MaxNamespaces)
	case c.ReceiveBuffer < 0:
		return fmt.Errorf("receive_buffer %d: negative", c.ReceiveBuffer)
	case c.MaxAge <= 0 || c.IdleTimeout <= 0:
		return errors.New("max_age and idle_timeout must be positive")
	}
	return nil
}
