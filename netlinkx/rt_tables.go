package netlinkx

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// rtTablesDirs are where iproute2 reads rt_tables from: the distribution's
// defaults, then the administrator's /etc, whose rt_tables replaces the
// other (iproute2 6.5+; older ones read /etc only). Each dir's rt_tables.d/*.conf
// adds to it. Tests point it elsewhere.
var rtTablesDirs = []string{"/usr/share/iproute2", "/etc/iproute2"}

// rtTablesRecheck is how long a read of the rt_tables files is trusted
// before their modification times are looked at again.
const rtTablesRecheck = 2 * time.Second

// rtTables is one read of the rt_tables files.
type rtTables struct {
	byID    map[uint32]string
	byName  map[string][]uint32
	stamp   string // the files' names, sizes and modification times
	checked time.Time
}

var (
	rtTablesCur atomic.Pointer[rtTables]
	rtTablesMu  sync.Mutex
)

// routeTables returns the table names, reading the files again when they
// changed, at most every rtTablesRecheck: a call per row costs a clock read.
func routeTables() *rtTables {
	cur := rtTablesCur.Load()
	now := time.Now()
	if cur != nil && now.Sub(cur.checked) < rtTablesRecheck {
		return cur
	}
	rtTablesMu.Lock()
	defer rtTablesMu.Unlock()
	if cur = rtTablesCur.Load(); cur != nil && now.Sub(cur.checked) < rtTablesRecheck {
		return cur
	}
	files := rtTablesFiles()
	stamp := rtTablesStamp(files)
	if cur == nil || cur.stamp != stamp {
		cur = readRtTables(files)
		cur.stamp = stamp
	} else {
		cur = &rtTables{byID: cur.byID, byName: cur.byName, stamp: stamp}
	}
	cur.checked = now
	rtTablesCur.Store(cur)
	return cur
}

// rtTablesFiles lists the files iproute2 reads, in the order it reads them:
// the last rt_tables found among rtTablesDirs, then every rt_tables.d/*.conf
// (a name in /etc's overriding the same file name in /usr/share's).
func rtTablesFiles() []string {
	var files []string
	for _, d := range slices.Backward(rtTablesDirs) {
		if p := filepath.Join(d, "rt_tables"); fileExists(p) {
			files = append(files, p)
			break
		}
	}
	confs := map[string]string{}
	for _, d := range rtTablesDirs {
		ms, _ := filepath.Glob(filepath.Join(d, "rt_tables.d", "*.conf"))
		for _, m := range ms {
			confs[filepath.Base(m)] = m
		}
	}
	names := make([]string, 0, len(confs))
	for n := range confs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		files = append(files, confs[n])
	}
	return files
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// rtTablesStamp names the files and their sizes and modification times,
// so that a change to any of them is seen.
func rtTablesStamp(files []string) string {
	var b strings.Builder
	for _, f := range files {
		b.WriteString(f)
		if fi, err := os.Stat(f); err == nil {
			b.WriteString(" " + strconv.FormatInt(fi.Size(), 10) + " " + strconv.FormatInt(fi.ModTime().UnixNano(), 10))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// readRtTables reads "id name" lines ('#' starts a comment; ids in decimal
// or 0x hex) over the reserved names local, main and default. An unreadable
// file or a bad line is skipped, as iproute2 does.
func readRtTables(files []string) *rtTables {
	t := &rtTables{byID: map[uint32]string{}, byName: map[string][]uint32{}}
	add := func(id uint32, name string) { t.byID[id] = name }
	add(253, "default")
	add(254, "main")
	add(255, "local")
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line, _, _ := strings.Cut(sc.Text(), "#")
			fields := strings.Fields(line)
			if len(fields) < 2 {
				continue
			}
			id, err := strconv.ParseUint(fields[0], 0, 32)
			if err != nil {
				continue
			}
			add(uint32(id), fields[1])
		}
		fh.Close()
	}
	for id, name := range t.byID {
		t.byName[name] = append(t.byName[name], id)
	}
	return t
}

// RouteTableIDs are the table ids RouteTableName shows as name: those
// rt_tables gives that name (local, main, default and the files' own;
// several ids may share one), or the number name spells (decimal, or hex
// with 0x). It is empty for any other name.
func RouteTableIDs(name string) []uint32 {
	ids := routeTables().byName[name]
	if n, err := strconv.ParseUint(name, 0, 32); err == nil {
		ids = append(slices.Clip(ids), uint32(n))
	}
	return ids
}
