package shell

import "strings"

// passedOver are what splitSQL reads past without looking inside, by what
// opens and what ends each: a [quoted identifier], a -- comment to the end
// of its line, a /* comment */.
var passedOver = []struct{ open, end string }{{"[", "]"}, {"--", "\n"}, {"/*", "*/"}}

// splitSQL cuts s into complete statements (each ending in a semicolon
// outside quotes, identifiers and comments) and the incomplete rest.
func splitSQL(s string) (stmts []string, rest string) {
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"', '`':
			j := i + 1
			for j < len(s) {
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(s) {
				return stmts, s[start:]
			}
			i = j
		case '[', '-', '/':
			for _, k := range passedOver {
				if strings.HasPrefix(s[i:], k.open) {
					j := strings.Index(s[i+len(k.open):], k.end)
					if j < 0 {
						return stmts, s[start:]
					}
					i += len(k.open) + j + len(k.end) - 1
					break
				}
			}
		case ';':
			if stmt := strings.TrimSpace(s[start:i]); stmt != "" && !isOnlyComment(stmt) {
				stmts = append(stmts, stmt)
			}
			start = i + 1
		}
	}
	return stmts, s[start:]
}

// isOnlyComment reports whether s holds nothing but SQL comments and space.
func isOnlyComment(s string) bool {
	for {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			return true
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return true
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return true
			}
			s = s[i+2:]
		default:
			return false
		}
	}
}
