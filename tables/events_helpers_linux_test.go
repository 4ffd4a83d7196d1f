package tables

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// lastEID is the largest eid of rows, 0 for none.
func lastEID(t testing.TB, rows []map[string]string) uint64 {
	var last uint64
	for _, r := range rows {
		v, err := strconv.ParseUint(r[colEID], 10, 64)
		if err != nil {
			t.Fatalf("eid %q: %v", r[colEID], err)
		}
		last = max(last, v)
	}
	return last
}

// matching returns the rows whose columns have the given values.
func matching(rows []map[string]string, want map[string]string) []map[string]string {
	var out []map[string]string
next:
	for _, r := range rows {
		for k, v := range want {
			if r[k] != v {
				continue next
			}
		}
		out = append(out, r)
	}
	return out
}

// subscribed subscribes table's stream in ns (the first read does) and
// returns the last eid buffered there so far.
func subscribed(t testing.TB, table Interface, ns netlinkx.NetNS) uint64 {
	t.Helper()
	return lastEID(t, eventRows(t, table, ns, nil))
}

func describe(rows []map[string]string) string {
	s := ""
	for _, r := range rows {
		s += fmt.Sprintln(r)
	}
	return s
}

// exchange opens a connection from a client to a server on addr (in the
// namespace ns), sends up bytes one way and down the other, and closes the
// client, then the server side. It returns the client's and server's ports.
func exchange(t *testing.T, ns netlinkx.NetNS, network, addr string, up, down int) (client, server int) {
	t.Helper()
	err := ns.Do(func() error {
		// The server reads up bytes, writes down (TCP only) and, for TCP,
		// reads until the client's FIN.
		var srv io.Closer
		var srvAddr net.Addr
		done := make(chan error, 1)
		if tcp := network != "udp4" && network != "udp6"; tcp {
			ln, err := net.Listen(network, addr)
			if err != nil {
				return err
			}
			srv, srvAddr = ln, ln.Addr()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					done <- err
					return
				}
				defer c.Close()
				if _, err := io.ReadFull(c, make([]byte, up)); err != nil {
					done <- err
					return
				}
				_, err = c.Write(make([]byte, down))
				if err == nil {
					_, err = io.Copy(io.Discard, c) // until the client's FIN
				}
				done <- err
			}()
		} else {
			s, err := net.ListenPacket(network, addr)
			if err != nil {
				return err
			}
			srv, srvAddr = s, s.LocalAddr()
			go func() {
				_, _, err := s.ReadFrom(make([]byte, up))
				done <- err
			}()
		}
		defer srv.Close()
		c, err := net.Dial(network, srvAddr.String())
		if err != nil {
			return err
		}
		client, server = addrPort(c.LocalAddr()), addrPort(srvAddr)
		if _, err := c.Write(make([]byte, up)); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, make([]byte, down)); err != nil {
			return err
		}
		c.Close()
		return <-done
	})
	if err != nil {
		t.Fatalf("%s exchange on %s: %v", network, addr, err)
	}
	return client, server
}

// addrPort is the port of a TCP or UDP address.
func addrPort(a net.Addr) int {
	return int(netip.MustParseAddrPort(a.String()).Port())
}
