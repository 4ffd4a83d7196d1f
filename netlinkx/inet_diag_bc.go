package netlinkx

import "encoding/binary"

// The inet_diag bytecode a port filter is made of (linux/inet_diag.h): each
// op is struct inet_diag_bc_op {code, yes, no}, 4 bytes; a port comparison
// is followed by a second op whose no field holds the port. The kernel runs
// the ops from the first, jumping yes or no bytes ahead; a socket matches
// when a jump lands exactly on the end, and not when one goes past it.
const (
	inetDiagBCJump = 1 // INET_DIAG_BC_JMP: always takes no
	inetDiagBCSGE  = 2 // INET_DIAG_BC_S_GE: local port >= operand
	inetDiagBCSLE  = 3 // INET_DIAG_BC_S_LE
	inetDiagBCDGE  = 4 // INET_DIAG_BC_D_GE: remote port >= operand
	inetDiagBCDLE  = 5 // INET_DIAG_BC_D_LE

	sizeofBCOp   = 4
	bcPairSize   = 2*2*sizeofBCOp + sizeofBCOp // GE p, LE p, JMP
	maxPortsInBC = 3000                        // a block's jumps stay within no's 16 bits
)

// portFilter is the bytecode that keeps sockets whose local port is one of
// sports (when any) and whose remote port is one of dports (when any): one
// GE/LE pair per port, as ss builds for `sport = :a or sport = :b`, and
// S_GE/S_LE rather than S_EQ, which kernels before 4.18 lack. Nil when
// there is nothing to filter or a list is too long for the jumps.
func portFilter(sports, dports []uint16) []byte {
	if len(sports)+len(dports) == 0 || len(sports) > maxPortsInBC || len(dports) > maxPortsInBC {
		return nil
	}
	total := bcPairSize * (len(sports) + len(dports))
	b := make([]byte, 0, total)
	put := func(code byte, yes byte, no int, port uint16) {
		b = append(b, code, yes, 0, 0)
		binary.NativeEndian.PutUint16(b[len(b)-2:], uint16(no))
		if code != inetDiagBCJump {
			b = append(b, 0, 0, 0, 0)
			binary.NativeEndian.PutUint16(b[len(b)-2:], port)
		}
	}
	block := func(ge, le byte, ports []uint16) {
		blockEnd := len(b) + bcPairSize*len(ports)
		for i, p := range ports {
			at := len(b)
			last := i == len(ports)-1
			reject := func(from int) int { return total - from + sizeofBCOp } // past the end
			noGE, noLE := bcPairSize, bcPairSize-2*sizeofBCOp
			if last {
				noGE, noLE = reject(at), reject(at+2*sizeofBCOp)
			}
			put(ge, 2*sizeofBCOp, noGE, p)
			put(le, 2*sizeofBCOp, noLE, p)
			put(inetDiagBCJump, sizeofBCOp, blockEnd-(at+4*sizeofBCOp), 0)
		}
	}
	if len(sports) > 0 {
		block(inetDiagBCSGE, inetDiagBCSLE, sports)
	}
	if len(dports) > 0 {
		block(inetDiagBCDGE, inetDiagBCDLE, dports)
	}
	return b
}
