//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
)

// DumpLinks is not available off Linux.
func DumpLinks(ctx context.Context, req LinkRequest, emit func(*LinkMessage) error) error {
	return errNotLinux
}

// DumpLinksRaw is not available off Linux.
func DumpLinksRaw(ctx context.Context, req LinkRequest, fn func(payload []byte) error) error {
	return errNotLinux
}

// DumpAddrs is not available off Linux.
func DumpAddrs(ctx context.Context, req AddrRequest, emit func(*AddrMessage) error) error {
	return errNotLinux
}

// ReadEthtool is not available off Linux.
func ReadEthtool(ctx context.Context, req EthtoolRequest) (map[int32]*EthtoolSettings, error) {
	return nil, errNotLinux
}

// UnmarshalBinary is not available off Linux.
func (m *LinkMessage) UnmarshalBinary(b []byte) error { return errNotLinux }

// UnmarshalBinary is not available off Linux.
func (m *AddrMessage) UnmarshalBinary(b []byte) error { return errNotLinux }

// AltNames is not available off Linux.
func (m *LinkMessage) AltNames() []string { return nil }

// ARPHRDName is a decimal number off Linux.
func ARPHRDName(typ uint16) string { return fmt.Sprint(typ) }

// LinkFlags is hex off Linux.
func LinkFlags(flags uint32) string { return fmt.Sprintf("%x", flags) }

// OperStateName is a decimal number off Linux.
func OperStateName(s uint8) string { return fmt.Sprint(s) }

// LinkModeName is a decimal number off Linux.
func LinkModeName(mode uint8) string { return fmt.Sprint(mode) }

// LLAddr is hex off Linux.
func LLAddr(b []byte, typ uint16) string { return fmt.Sprintf("%x", b) }

// ScopeName is a decimal number off Linux.
func ScopeName(scope uint8) string { return fmt.Sprint(scope) }

// AddrFlags is hex off Linux.
func AddrFlags(flags uint32, family uint8) string { return fmt.Sprintf("0x%x", flags) }

// DuplexName is a decimal number off Linux.
func DuplexName(d uint8) string { return fmt.Sprint(d) }

// PortName is a decimal number off Linux.
func PortName(p uint8) string { return fmt.Sprint(p) }
