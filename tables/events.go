package tables

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/events"
)

// How events reach users. osqueryd's events framework is closed to
// extensions, so each event table (netlink_socket_events, conntrack_events,
// netlink_events) is served from a bounded buffer per network namespace
// (eventRing) that a subscription socket (netlinkx/events) fills on its own
// goroutine. A generate call copies out the part of the buffer its `eid`
// and `time` constraints select, found by binary search, and never waits
// for the kernel: a scheduled `WHERE eid > <last eid seen>` sees each event
// once, and older rows cost nothing. eids come from one counter for the
// process, and a query returns no eid above the counter's value when it
// began (eventTable.Run), so `eid > <last>` misses nothing even when one
// query reads several namespaces.
//
// Subscriptions start in StartEvents (the osquery host, at start: the
// host's namespace and the configured ones) or on a table's first use in a
// namespace (the embedded host; or a query naming another namespace). A
// subscription started by a query ends after EventsConfig.IdleTimeout
// without one, so that it does not keep a deleted namespace alive; one of
// a configured name ends when the name goes or points elsewhere.

// eventsState is the process's event configuration and the context
// subscriptions run under.
var eventsState struct {
	mu      sync.Mutex
	cfg     EventsConfig
	ctx     context.Context
	started bool
}

func init() {
	eventsState.cfg = DefaultEventsConfig()
	eventsState.ctx = context.Background()
	RegisterStatus("events", eventStatusRows)
}

// eventsConfig returns the configuration and the subscriptions' context.
func eventsConfig() (EventsConfig, context.Context) {
	eventsState.mu.Lock()
	defer eventsState.mu.Unlock()
	return eventsState.cfg, eventsState.ctx
}

// ConfigureEvents sets the bounds of the event buffers without starting a
// subscription: for the embedded host, whose event tables subscribe on
// first use. Buffers that exist keep their bounds.
func ConfigureEvents(cfg EventsConfig) error {
	if err := cfg.check(); err != nil {
		return fmt.Errorf("events config: %w", err)
	}
	eventsState.mu.Lock()
	defer eventsState.mu.Unlock()
	eventsState.cfg = cfg
	return nil
}

// StartEvents subscribes every event stream in the host's namespace and
// in cfg.Namespaces, so that events are buffered between queries, and
// starts the housekeeping that ends idle subscriptions and retries failed
// ones every 30 s. A subscription that fails (a namespace not there yet, a
// conntrack module not loaded) does not fail the start: its row in
// netlinkq_status carries the error, and it is retried. stop ends every
// subscription and drops the buffers; StartEvents may then be called again.
// It is an error to call StartEvents twice without stop, or with a
// configuration that fails its checks.
func StartEvents(ctx context.Context, cfg EventsConfig) (stop func(), err error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("events config: %w", err)
	}
	eventsState.mu.Lock()
	if eventsState.started {
		eventsState.mu.Unlock()
		return nil, errors.New("start events: already started")
	}
	ctx, cancel := context.WithCancel(ctx)
	eventsState.cfg, eventsState.ctx, eventsState.started = cfg, ctx, true
	eventsState.mu.Unlock()

	subscribeConfigured(cfg)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				for _, s := range eventStreams {
					s.housekeep(now, time.Duration(cfg.IdleTimeout))
				}
				subscribeConfigured(cfg)
			}
		}
	}()
	return func() {
		cancel()
		<-done
		for _, s := range eventStreams {
			s.stopAll()
		}
		eventsState.mu.Lock()
		eventsState.started = false
		eventsState.ctx = context.Background()
		eventsState.mu.Unlock()
	}, nil
}

// subscribeConfigured (re)subscribes every stream in the host's namespace
// and the configured ones; what fails stays in netlinkq_status.
func subscribeConfigured(cfg EventsConfig) {
	for _, s := range eventStreams {
		_ = s.subscribePinned(netlinkx.Own, "")
	}
	for _, name := range cfg.Namespaces {
		ns, err := netlinkx.OpenNetNS(name)
		for _, s := range eventStreams {
			if err != nil {
				s.failed(name, err)
				continue
			}
			_ = s.subscribePinned(ns, name)
		}
		if err == nil {
			ns.Close()
		}
	}
}

// eventStreamer is an event stream without its event type.
type eventStreamer interface {
	// subscribePinned subscribes in ns for good (the host's, a configured
	// one named label), unless it is subscribed already.
	subscribePinned(ns netlinkx.NetNS, label string) error
	// failed records that the configured namespace label could not be opened.
	failed(label string, err error)
	// housekeep ends idle query-started subscriptions and those whose
	// configured name has gone.
	housekeep(now time.Time, idle time.Duration)
	// stopAll ends every subscription and forgets the buffers.
	stopAll()
	// status emits a row per subscription.
	status(emit func(StatusRow) error) error
	// changed returns a channel closed when an event is next buffered.
	changed() <-chan struct{}
	streamName() string
}

// eventDecoder turns one netlink message into an event and its estimated
// size in bytes; ok is false for a message that is no event of the stream.
// An error is a message that could not be decoded: it is counted.
type eventDecoder[E any] func(typ, flags uint16, b []byte) (e *E, size int64, ok bool, err error)

// eventStream is one kind of event (one table) over all namespaces.
type eventStream[E any] struct {
	name     string
	protocol int
	groups   []uint32
	// newDecoder returns the decoder of a subscription in ns (a decoder may
	// keep state, such as the names of the namespace's links).
	newDecoder func(ns netlinkx.NetNS) (eventDecoder[E], error)

	mu   sync.Mutex
	subs map[string]*eventSub[E] // by namespace key (inode, or the configured label that failed)

	chMu sync.Mutex
	ch   chan struct{}
}

// eventSub is one stream's subscription in one namespace and its buffer.
type eventSub[E any] struct {
	ring   *eventRing[E]
	inode  uint64
	label  string // the configured name, "" for the host's or a query's
	pinned bool
	// lastRead is when a query last read the buffer (unix ns).
	lastRead  atomic.Int64
	undecoded atomic.Uint64

	mu      sync.Mutex
	cancel  context.CancelFunc
	running bool
	err     error
}

func (s *eventStream[E]) streamName() string { return s.name }

// changed returns a channel closed when an event is next buffered.
func (s *eventStream[E]) changed() <-chan struct{} {
	s.chMu.Lock()
	defer s.chMu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// notify wakes the followers.
func (s *eventStream[E]) notify() {
	s.chMu.Lock()
	defer s.chMu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// nsKey is the key of a namespace in subs: its inode.
func nsKey(ino uint64) string { return strconv.FormatUint(ino, 10) }

// nsInode is ns's inode; Own's is this process's namespace.
func nsInode(ns netlinkx.NetNS) (uint64, error) {
	if ns == netlinkx.Own {
		return ownInode()
	}
	return ns.Inode()
}

func (s *eventStream[E]) subscribePinned(ns netlinkx.NetNS, label string) error {
	_, err := s.subscribe(ns, true, label)
	return err
}

func (s *eventStream[E]) failed(label string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs == nil {
		s.subs = map[string]*eventSub[E]{}
	}
	key := "name:" + label
	sub := s.subs[key]
	if sub == nil {
		cfg, _ := eventsConfig()
		sub = &eventSub[E]{ring: newEventRing[E](cfg.MaxEvents, cfg.MaxBytes, time.Duration(cfg.MaxAge)), label: label, pinned: true}
		s.subs[key] = sub
	}
	sub.mu.Lock()
	sub.err = err
	sub.mu.Unlock()
}

// subscribe returns the subscription in ns, starting it (or restarting one
// that ended) when needed. A query's subscription is not pinned.
func (s *eventStream[E]) subscribe(ns netlinkx.NetNS, pinned bool, label string) (*eventSub[E], error) {
	ino, err := nsInode(ns)
	if err != nil {
		return nil, err
	}
	cfg, ctx := eventsConfig()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs == nil {
		s.subs = map[string]*eventSub[E]{}
	}
	if label != "" {
		delete(s.subs, "name:"+label) // a failure recorded before
	}
	sub := s.subs[nsKey(ino)]
	if sub != nil {
		sub.mu.Lock()
		running := sub.running
		sub.pinned = sub.pinned || pinned
		if label != "" {
			sub.label = label
		}
		sub.mu.Unlock()
		if running {
			return sub, nil
		}
	} else {
		if len(s.subs) >= cfg.MaxNamespaces {
			return nil, fmt.Errorf("%d namespaces subscribed already (max_namespaces)", len(s.subs))
		}
		sub = &eventSub[E]{ring: newEventRing[E](cfg.MaxEvents, cfg.MaxBytes, time.Duration(cfg.MaxAge)),
			inode: ino, label: label, pinned: pinned}
	}
	if err := s.start(ctx, cfg, ns, sub); err != nil {
		sub.mu.Lock()
		sub.err = err
		sub.mu.Unlock()
		if sub.pinned {
			s.subs[nsKey(ino)] = sub // shown in netlinkq_status, retried
		}
		return nil, err
	}
	s.subs[nsKey(ino)] = sub
	return sub, nil
}

// start opens sub's socket in ns and reads it on a goroutine of its own.
func (s *eventStream[E]) start(ctx context.Context, cfg EventsConfig, ns netlinkx.NetNS, sub *eventSub[E]) error {
	dec, err := s.newDecoder(ns)
	if err != nil {
		return err
	}
	sock, err := events.Open(events.Config{Protocol: s.protocol, Groups: s.groups, NetNS: ns, ReceiveBuffer: cfg.ReceiveBuffer})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	sub.mu.Lock()
	sub.cancel, sub.running, sub.err = cancel, true, nil
	sub.mu.Unlock()
	sub.lastRead.Store(time.Now().UnixNano())
	go func() {
		defer sock.Close()
		err := sock.Run(ctx, events.Handler{
			Message: func(typ, flags uint16, b []byte, at time.Time) {
				e, size, ok, err := dec(typ, flags, b)
				switch {
				case err != nil:
					sub.undecoded.Add(1)
				case ok:
					sub.ring.push(e, size, at)
				}
			},
			Datagram: s.notify,
			Lost: func(n uint64, at time.Time) {
				sub.ring.pushLost(n, at)
				s.notify()
			},
		})
		sub.mu.Lock()
		sub.running, sub.err = false, err
		sub.mu.Unlock()
		cancel()
	}()
	return nil
}

// housekeep ends the query-started subscriptions idle for idle, and the
// configured ones whose name has gone or points to another namespace (the
// socket would keep a deleted namespace alive).
func (s *eventStream[E]) housekeep(now time.Time, idle time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, sub := range s.subs {
		sub.mu.Lock()
		end := false
		switch {
		case !sub.pinned:
			end = now.Sub(time.Unix(0, sub.lastRead.Load())) > idle
		case sub.label != "" && sub.inode != 0:
			ns, err := netlinkx.OpenNetNS(sub.label)
			ino := uint64(0)
			if err == nil {
				ino, _ = ns.Inode()
				ns.Close()
			}
			end = ino != sub.inode
		}
		if end {
			if sub.cancel != nil {
				sub.cancel()
			}
			delete(s.subs, key)
		}
		sub.mu.Unlock()
	}
}

func (s *eventStream[E]) stopAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, sub := range s.subs {
		sub.mu.Lock()
		if sub.cancel != nil {
			sub.cancel()
		}
		sub.mu.Unlock()
		delete(s.subs, key)
	}
}

func (s *eventStream[E]) status(emit func(StatusRow) error) error {
	s.mu.Lock()
	subs := make([]*eventSub[E], 0, len(s.subs))
	for _, sub := range s.subs {
		subs = append(subs, sub)
	}
	s.mu.Unlock()
	for _, sub := range subs {
		st := sub.ring.status()
		sub.mu.Lock()
		row := StatusRow{Name: s.name, NetNSInode: sub.inode, NetNSName: sub.label,
			Seen: st.seen, Lost: st.lost, Buffered: st.buffered, MemoryBytes: st.bytes, Since: st.since,
			Undecoded: sub.undecoded.Load(), Running: sub.running}
		if sub.err != nil {
			row.Error = sub.err.Error()
		}
		sub.mu.Unlock()
		if err := emit(row); err != nil {
			return err
		}
	}
	return nil
}

// eventStatusRows are netlinkq_status's rows of kind "events".
func eventStatusRows(emit func(StatusRow) error) error {
	for _, s := range eventStreams {
		if err := s.status(emit); err != nil {
			return err
		}
	}
	return nil
}

// generate serves an event table: the buffered events of q.NetNS that q's
// eid and time constraints select, subscribing on first use. It never
// waits for the kernel.
func (s *eventStream[E]) generate(ctx context.Context, q *Query, emit func(*eventItem[E]) error) error {
	sub, err := s.subscribe(q.NetNS, false, "")
	if errors.Is(err, os.ErrPermission) { // EPERM and EACCES both match
		// ctnetlink's event groups are CAP_NET_ADMIN's only; without it
		// there is nothing to show, which is not the query's error.
		q.logf("%s: subscribing needs CAP_NET_ADMIN; no rows", s.name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	sub.lastRead.Store(time.Now().UnixNano())
	rg := eventRangeOf(q)
	if hw, ok := ctx.Value(highWaterKey{}).(uint64); ok {
		rg.maxEID = min(rg.maxEID, hw)
	}
	f, _ := ctx.Value(followerKey{}).(*Follower)
	cursor := followCursor{s.name, sub.inode}
	if f != nil {
		rg.minEID = max(rg.minEID, f.after(cursor)+1)
	}
	items := sub.ring.read(rg)
	for i := range items {
		if err := emit(&items[i]); err != nil {
			return err
		}
		if f != nil {
			f.advance(cursor, items[i].EID)
		}
	}
	return nil
}

// Names of the columns every event table starts with.
const (
	colTime = "time"
	colEID  = "eid"
)

// eventRangeOf reads q's constraints on eid and time into a range; a value
// that is no integer narrows nothing (SQLite checks it).
func eventRangeOf(q *Query) eventRange {
	rg := allEvents
	for _, c := range q.Constraints[colEID] {
		v, ok := integral(c.Expr)
		if !ok {
			continue
		}
		switch c.Op {
		case OpGreater:
			rg.minEID = max(rg.minEID, uint64(max(v+1, 0)))
		case OpGreaterEqual:
			rg.minEID = max(rg.minEID, uint64(max(v, 0)))
		case OpEquals:
			rg.minEID = max(rg.minEID, uint64(max(v, 0)))
			rg.maxEID = min(rg.maxEID, uint64(max(v, 0)))
		case OpLess:
			rg.maxEID = min(rg.maxEID, uint64(max(v-1, 0)))
		case OpLessEqual:
			rg.maxEID = min(rg.maxEID, uint64(max(v, 0)))
		}
	}
	const sec = int64(time.Second)
	for _, c := range q.Constraints[colTime] {
		v, ok := integral(c.Expr)
		if !ok || v > 1<<33 || v < -(1<<33) {
			continue
		}
		switch c.Op {
		case OpGreater:
			rg.minTime = max(rg.minTime, (v+1)*sec)
		case OpGreaterEqual:
			rg.minTime = max(rg.minTime, v*sec)
		case OpEquals:
			rg.minTime = max(rg.minTime, v*sec)
			rg.maxTime = min(rg.maxTime, (v+1)*sec)
		case OpLess:
			rg.maxTime = min(rg.maxTime, v*sec)
		case OpLessEqual:
			rg.maxTime = min(rg.maxTime, (v+1)*sec)
		}
	}
	return rg
}
