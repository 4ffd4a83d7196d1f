package netlinkx

import "testing"

func TestKernelVersion(t *testing.T) {
	tests := []struct {
		release      string
		major, minor int
		atLeast59    bool
		atLeast615   bool
	}{
		{"6.18.44-fc-v669", 6, 18, true, true},
		{"6.15.0", 6, 15, true, true},
		{"6.14.9-arch1", 6, 14, true, false},
		{"5.9.0", 5, 9, true, false},
		{"5.8.18-100.fc31.x86_64", 5, 8, false, false},
		{"4.19.0-21-amd64", 4, 19, false, false},
		{"10", 10, -1, true, true},
		{"", -1, -1, true, true},
		{"garbage", -1, -1, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.release, func(t *testing.T) {
			ma, mi := KernelVersion(tt.release)
			if ma != tt.major || mi != tt.minor {
				t.Errorf("KernelVersion = %d.%d, want %d.%d", ma, mi, tt.major, tt.minor)
			}
			if got := versionAtLeast(tt.release, 5, 9); got != tt.atLeast59 {
				t.Errorf("at least 5.9 = %v, want %v", got, tt.atLeast59)
			}
			if got := IPStatsLayoutOf(tt.release) == IPStats615; got != tt.atLeast615 {
				t.Errorf("IPStats615 = %v, want %v", got, tt.atLeast615)
			}
		})
	}
}
